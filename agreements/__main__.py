from agreements.cli import main

main()
