"""Spreadsheet uploads: reading CSV, XLSX, XLS and ODS files safely, checking every cell
with the write API's own rules, previewing and storing them (added, or replacing a date
range), the upload history with rollback, the templates, and the quarterly transactions
collection that a platform admin uploads for every service at once.
"""
