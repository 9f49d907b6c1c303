"""Integrations with other tools, each an optional extra.

* :mod:`dedupe.contrib.scrapy`: a Scrapy item pipeline that annotates
  scraped items with their provenance and can drop verbatim duplicates
  (needs Scrapy: ``pip install 'dedupe-provenance[scrapy]'``).

Importing this package imports none of the tools; each module imports its
own when it is used.
"""
