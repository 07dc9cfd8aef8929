"""The Qt window: paints what the engine says and forwards what the person does."""
