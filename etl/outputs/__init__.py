"""What analysts read besides SQL: offline SVG charts and the HTML report.
"""
