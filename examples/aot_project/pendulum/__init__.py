"""A damped pendulum, fitted to observations with gradients built ahead of time."""
