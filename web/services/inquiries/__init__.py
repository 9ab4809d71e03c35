"""Inquiries to other agencies (Form 2): the register written from the agency_inquiry process, and Form 2's rows."""
from .register import agencies, record_inquiry_state, record_inquiry_task

__all__ = ["agencies", "record_inquiry_state", "record_inquiry_task"]
