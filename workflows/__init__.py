"""Pure rules of the tracker: the lifecycle and what each kind of event may
do, dates and their precision, the stall policy and its working days.

Nothing here touches the database, the clock or the network.
"""
