"""The weekly digest: collecting a week, recipients, the outbox and the mail adapter."""
