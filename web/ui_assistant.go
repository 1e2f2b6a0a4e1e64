package web

// uiAssistantRoutes are the pages every signed-in user works with: the
// queues, take next, my tickets, the ticket list and a ticket.
func (s *Server) uiAssistantRoutes() []uiRoute {
	return nil
}
