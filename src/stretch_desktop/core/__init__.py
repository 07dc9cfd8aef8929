"""Pure session logic: no Qt, no speech engine, no I/O beyond text it is handed."""
