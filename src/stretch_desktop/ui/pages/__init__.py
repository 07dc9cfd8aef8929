"""One widget per page of the window: choose, session, done, history.

Each page owns its widgets, their handlers and its font-scale table, and is given only what it
needs (the controller, the live preferences, the dialogs, a few callables). The window stacks
them and moves between them; pages never reach into each other. A new page (the routine editor,
progress) is a new file here, added to the stack in ``main_window``.
"""
