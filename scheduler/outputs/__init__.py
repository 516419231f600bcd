"""What people read: the view model every output renders from, the printout, Gantt charts, sheets, fonts."""
