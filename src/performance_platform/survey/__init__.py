"""The done-page survey: a satisfaction question a service links to from its last page.

Each answer is kept (with its comment, personal data removed) for the service's managers
to read, and counted by day into the dashboard's ``customer-satisfaction`` data set, so
the user-satisfaction KPI follows through the existing transforms. See docs/guide.md,
"The done-page survey".
"""
