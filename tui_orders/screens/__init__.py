"""The screens of the app: one screen or modal per module."""
