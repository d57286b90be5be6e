"""The year's section on agreements of the service's annual report, written
from the history (`agreements report annual`).

``facts`` collects what happened to each agreement in a year through the read
layer; ``compose`` turns it into headings and paragraphs with the Jinja2
templates of ``templates/`` (``templates.py`` loads them, a folder of edited
copies first); ``render`` writes Markdown or HTML, ``docx`` a Word document;
``report`` ties them together for the command line.
"""
