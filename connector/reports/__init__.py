"""Funnel reports, the dashboard and the store's Prometheus figures; all of it reads the store."""

from connector.reports.dashboard import init_app
from connector.reports.render import as_csv, as_json, as_table
from connector.reports.report import Report, build_report

__all__ = ["Report", "as_csv", "as_json", "as_table", "build_report", "init_app"]
