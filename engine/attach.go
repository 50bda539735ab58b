package engine

// Attachment returns the value kept with this engine under key, creating it
// with mk on first use. Attachments live exactly as long as the Engine
// value: caches derived from replicated state (the ACL users built from the
// meta area) hang here, so an engine replaced by a snapshot install starts
// with none and rebuilds them from the installed data.
func (e *Engine) Attachment(key any, mk func() any) any {
	if v, ok := e.attach.Load(key); ok {
		return v
	}
	v, _ := e.attach.LoadOrStore(key, mk())
	return v
}
