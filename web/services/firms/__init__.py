"""The firms' portal: who acts for which firm, and what a firm representative may see and do."""
