"""Personal: a feed of one's own ("For you"), saved searches as alerts, read state, "not interested", notes."""
