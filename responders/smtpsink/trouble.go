package smtpsink

import (
	"strings"

	"github.com/emersion/go-smtp"
)

// errNoSuchUser refuses a recipient for good, as a server without the
// mailbox does.
var errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}

// Refuse makes the sink refuse mail to addr (550 5.1.1 at RCPT), or take it
// again when refuse is false.
func (s *Sink) Refuse(addr string, refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuseTo == nil {
		s.refuseTo = map[string]bool{}
	}
	s.refuseTo[strings.ToLower(addr)] = refuse
}

// CutAfterDot makes the sink keep the next n mails and close their
// connections without answering the final dot, as a server that crashes
// right after queueing a mail does: the client cannot know it was taken.
func (s *Sink) CutAfterDot(n int) {
	s.mu.Lock()
	s.cuts = n
	s.mu.Unlock()
}

func (s *Sink) refuses(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refuseTo[strings.ToLower(strings.Trim(addr, "<>"))]
}
