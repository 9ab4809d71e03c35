"""Notifications: notices to the people a task or case concerns, in the app, by e-mail and by SMS.

Notices are created in the transaction of the change that causes them (a task
opens or is handed over, a case's scheduled step fails for good), or by the
worker's deadline scan (due tomorrow, overdue). E-mails and SMS are jobs the
worker runs and retries; a request never talks to a mail server.
"""
