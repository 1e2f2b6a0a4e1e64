package desk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode"
	"unicode/utf8"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Limits of the canned replies: enough for any desk's boilerplate, small
// enough that the whole set is read with every ticket page.
const (
	maxCanned        = 500
	maxCannedName    = 80
	maxCannedText    = 20000
	maxCannedOutput  = 100000
	cannedFieldsHelp = "{{.CustomerName}}, {{.TicketID}}, {{.Assistant}} and {{if .CustomerName}}…{{else}}…{{end}}"
)

// CannedData is what a canned reply's template is filled with.
type CannedData struct {
	// CustomerName is the ticket's customer's name, "" when unknown.
	CustomerName string
	// TicketID is the ticket's number ("1042").
	TicketID string
	// Assistant is the name of the user writing the reply.
	Assistant string
}

// cannedFields are the fields of CannedData a template may name.
var cannedFields = []string{"CustomerName", "TicketID", "Assistant"}

// CannedReplies returns the canned replies in force, with their version.
func (d *Desk) CannedReplies(ctx context.Context) (ticket.CannedSet, error) {
	return d.store.CannedReplies(ctx)
}

// ReplaceCanned checks replies whole and stores them as the next version,
// by by; with expect >= 0 only while version expect is in force
// (fault.ErrConflict otherwise: someone else changed them meanwhile). Each
// reply needs a name (unique within its queue, case aside), a queue that is
// configured or "" for every queue, and a text that is a text/template
// naming only the fields of CannedData (cannedTemplate). The first problem
// is fault.ErrInvalid naming the entry: canned[2] "Greeting": ….
func (d *Desk) ReplaceCanned(ctx context.Context, replies []ticket.CannedReply, by string, expect int) (int, error) {
	if len(replies) > maxCanned {
		return 0, fmt.Errorf("%w: at most %d canned replies", fault.ErrInvalid, maxCanned)
	}
	clean := make([]ticket.CannedReply, 0, len(replies))
	seen := map[string]int{}
	for i, c := range replies {
		c.Name, c.Queue = strings.TrimSpace(c.Name), strings.TrimSpace(c.Queue)
		entry := fmt.Sprintf("canned[%d] %q", i, c.Name)
		switch {
		case c.Name == "":
			return 0, fmt.Errorf("%w: canned[%d]: the name is empty", fault.ErrInvalid, i)
		case utf8.RuneCountInString(c.Name) > maxCannedName || strings.ContainsFunc(c.Name, unicode.IsControl):
			return 0, fmt.Errorf("%w: %s: a name is one line of at most %d characters", fault.ErrInvalid, entry, maxCannedName)
		case c.Queue != "" && !slices.Contains(d.Queues(), c.Queue):
			return 0, fmt.Errorf("%w: %s: there is no queue %q", fault.ErrInvalid, entry, c.Queue)
		case strings.TrimSpace(c.Text) == "":
			return 0, fmt.Errorf("%w: %s: the text is empty", fault.ErrInvalid, entry)
		case len(c.Text) > maxCannedText:
			return 0, fmt.Errorf("%w: %s: the text is longer than %d characters", fault.ErrInvalid, entry, maxCannedText)
		}
		key := c.Queue + "\x00" + strings.ToLower(c.Name)
		if j, dup := seen[key]; dup {
			where := "for every queue"
			if c.Queue != "" {
				where = "in queue " + c.Queue
			}
			return 0, fmt.Errorf("%w: %s: canned[%d] has the same name %s", fault.ErrInvalid, entry, j, where)
		}
		seen[key] = i
		if _, err := cannedTemplate(c.Name, c.Text); err != nil {
			return 0, fmt.Errorf("%w: %s: text: %v", fault.ErrInvalid, entry, err)
		}
		clean = append(clean, c)
	}
	return d.store.ReplaceCanned(ctx, clean, by, expect)
}

// CannedFor returns the canned replies offered on ticket t — its queue's,
// then the ones for every queue that its queue has none of the same name
// of — each filled in for t and the assistant by.
func (d *Desk) CannedFor(ctx context.Context, t *ticket.Ticket, by string) ([]ticket.CannedReply, error) {
	set, err := d.store.CannedReplies(ctx)
	if err != nil {
		return nil, err
	}
	out := []ticket.CannedReply{}
	for _, c := range offered(set.Replies, t.Queue) {
		text, err := fillCanned(c, t, by)
		if err != nil {
			d.logger.Warn("a canned reply cannot be filled in; it is left out", "name", c.Name, "error", err)
			continue
		}
		c.Text = text
		out = append(out, c)
	}
	return out, nil
}

// offered are the replies of all that queue's tickets are offered: the
// queue's own first, then the global ones whose name the queue does not use.
func offered(all []ticket.CannedReply, queue string) []ticket.CannedReply {
	var own, global []ticket.CannedReply
	names := map[string]bool{}
	for _, c := range all {
		if c.Queue == queue && queue != "" {
			own = append(own, c)
			names[strings.ToLower(c.Name)] = true
		}
	}
	for _, c := range all {
		if c.Queue == "" && !names[strings.ToLower(c.Name)] {
			global = append(global, c)
		}
	}
	return append(own, global...)
}

// cannedText fills in the canned reply named name (case aside) offered on
// t, for the assistant by: fault.ErrInvalid when there is none of that name.
func (d *Desk) cannedText(ctx context.Context, t *ticket.Ticket, name, by string) (string, error) {
	set, err := d.store.CannedReplies(ctx)
	if err != nil {
		return "", err
	}
	for _, c := range offered(set.Replies, t.Queue) {
		if strings.EqualFold(c.Name, strings.TrimSpace(name)) {
			return fillCanned(c, t, by)
		}
	}
	return "", fmt.Errorf("%w: canned: there is no canned reply %q for queue %s", fault.ErrInvalid, name, t.Queue)
}

// fillCanned fills c in for t and by, its output bounded.
func fillCanned(c ticket.CannedReply, t *ticket.Ticket, by string) (string, error) {
	tmpl, err := cannedTemplate(c.Name, c.Text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	w := &limitedWriter{w: &b, left: maxCannedOutput}
	if err := tmpl.Execute(w, CannedData{CustomerName: t.Customer.Name, TicketID: t.ID, Assistant: by}); err != nil {
		return "", fmt.Errorf("fill in canned reply %q: %w", c.Name, err)
	}
	return b.String(), nil
}

// cannedTemplate parses a canned reply's text: a text/template that may
// print the fields of CannedData ({{.CustomerName}}) and test them ({{if
// .CustomerName}}…{{else}}…{{end}}), and nothing else — no functions, no
// other fields, no variables, loops or templates of its own — so that
// filling one in is quick, its output bounded and it cannot reach anything
// but those three values.
func cannedTemplate(name, text string) (*template.Template, error) {
	tmpl, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return nil, fmt.Errorf("not a valid template: %s", msg)
	}
	if len(tmpl.Templates()) > 1 {
		return nil, errors.New("{{define}} and {{block}} are not allowed; use only " + cannedFieldsHelp)
	}
	if tmpl.Tree == nil || tmpl.Root == nil {
		return tmpl, nil
	}
	if err := checkCannedNode(tmpl.Root); err != nil {
		return nil, err
	}
	return tmpl, nil
}

// checkCannedNode refuses any part of a template but text, comments, a
// field of CannedData printed, and if/else on one.
func checkCannedNode(n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkCannedNode(c); err != nil {
				return err
			}
		}
		return nil
	case *parse.TextNode, *parse.CommentNode:
		return nil
	case *parse.ActionNode:
		return checkCannedPipe(n.Pipe, n.String())
	case *parse.IfNode:
		if err := checkCannedPipe(n.Pipe, "{{if "+n.Pipe.String()+"}}"); err != nil {
			return err
		}
		if err := checkCannedNode(n.List); err != nil {
			return err
		}
		if n.ElseList != nil {
			return checkCannedNode(n.ElseList)
		}
		return nil
	}
	return fmt.Errorf("%s is not allowed; use only %s", n.String(), cannedFieldsHelp)
}

// checkCannedPipe accepts a pipeline that is one field of CannedData.
func checkCannedPipe(p *parse.PipeNode, shown string) error {
	if p != nil && len(p.Decl) == 0 && len(p.Cmds) == 1 && len(p.Cmds[0].Args) == 1 {
		if f, ok := p.Cmds[0].Args[0].(*parse.FieldNode); ok && len(f.Ident) == 1 && slices.Contains(cannedFields, f.Ident[0]) {
			return nil
		}
	}
	return fmt.Errorf("%s is not allowed; use only %s", shown, cannedFieldsHelp)
}

// limitedWriter fails once more than left bytes were written.
type limitedWriter struct {
	w    io.Writer
	left int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.left {
		return 0, fmt.Errorf("the filled-in text is longer than %d characters", maxCannedOutput)
	}
	l.left -= len(p)
	return l.w.Write(p)
}
