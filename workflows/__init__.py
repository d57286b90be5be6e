"""Pure rules of the tracker: the lifecycle, later the stall policy and calendar.

Nothing here touches the database, the clock or the network.
"""
