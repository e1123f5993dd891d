from careloop.entitlements.management.load_command import LoadScheduleCommand
from careloop.entitlements.schedule import load_fees


class Command(LoadScheduleCommand):
    help = (
        "Load the Better Access MBS fees from a CSV file. The whole file is checked "
        "first; one bad row refuses it and nothing changes."
    )

    def load(self, path):
        return load_fees(path)
