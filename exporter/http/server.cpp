// HTTP serving lives here (in progress).
