"""Reports: the audit trail of one request, and figures on the process for a period."""
