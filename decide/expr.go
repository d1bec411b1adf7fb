package decide

// placeholder types; replaced by the expression compiler.
type condition struct{}
type scorer struct{}
