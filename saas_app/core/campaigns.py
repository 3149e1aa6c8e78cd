"""The vocabulary of campaigns and of the enrollment of each invoice in one."""

from enum import StrEnum


class CampaignStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class EnrollmentState(StrEnum):
    ACTIVE = "active"  # its reminders are planned and sent
    PAUSED = "paused"
    STOPPED = "stopped"  # for good, with a stop reason
    DONE = "done"  # every step went out


# An enrollment that may still send: the stops apply to these.
LIVE = (EnrollmentState.ACTIVE, EnrollmentState.PAUSED)
