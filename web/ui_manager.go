package web

// uiManagerRoutes are the managers' pages: the rule editor, users, queues
// and business hours.
func (s *Server) uiManagerRoutes() []uiRoute {
	return nil
}
