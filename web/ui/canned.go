package ui

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// cannedPage is the managers' canned replies page: every canned reply with
// a form to change or delete it, and one to add another. Each form carries
// the version it was read as; a change based on a version no longer in
// force is refused (409), so two managers cannot undo each other's work.
type cannedPage struct {
	Version int
	Replies []cannedRow
	Queues  []string
	// Add is the add form's values, kept when it is refused; Edit is the
	// index of a row whose refused values Replies shows, -1 for none.
	Add  ticket.CannedReply
	Edit int
	// Fields names what a text may use, for the page's help.
	Fields []string
}

// cannedRow is one canned reply on the page.
type cannedRow struct {
	ticket.CannedReply
	Index int
}

// showCanned renders the canned replies page with status and problem; a
// refused form's values are in page.
func (h *Handlers) showCanned(w http.ResponseWriter, r *http.Request, status int, page cannedPage, problem string) {
	set, err := h.Desk.CannedReplies(r.Context())
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	rows := make([]cannedRow, 0, len(set.Replies))
	for i, c := range set.Replies {
		if page.Edit == i && page.Replies != nil {
			c = page.Replies[0].CannedReply // the refused edit, as sent
		}
		rows = append(rows, cannedRow{CannedReply: c, Index: i})
	}
	page.Version, page.Replies, page.Queues = set.Version, rows, h.Queues()
	page.Fields = []string{"{{.CustomerName}}", "{{.TicketID}}", "{{.Assistant}}"}
	h.render(w, r, status, "canned", &pageData{Title: "Canned replies", Nav: "canned", Problem: problem, Data: page})
}

// handleUICanned shows the canned replies.
func (h *Handlers) handleUICanned(w http.ResponseWriter, r *http.Request) {
	h.showCanned(w, r, http.StatusOK, cannedPage{Edit: -1}, "")
}

// changeCanned stores the canned replies with change applied to those of
// the form's version (field "version"), then goes back to the page with
// notice; a refused change shows the page again with why and the form's
// values (page).
func (h *Handlers) changeCanned(w http.ResponseWriter, r *http.Request, page cannedPage, notice string,
	change func([]ticket.CannedReply) ([]ticket.CannedReply, error)) {
	base, err := formInt(r, "version", 0)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	set, err := h.Desk.CannedReplies(r.Context())
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	if base != set.Version {
		err = fmt.Errorf("%w: the canned replies were changed while you were working on them; reload the page and make your change again", fault.ErrConflict)
	}
	var list []ticket.CannedReply
	if err == nil {
		list, err = change(slices.Clone(set.Replies))
	}
	if err == nil {
		_, err = h.Desk.ReplaceCanned(r.Context(), list, auth.Caller(r).Name, base)
	}
	if err != nil {
		if status, ok := h.formStatus(w, r, err); ok {
			h.showCanned(w, r, status, page, "Nothing was saved: "+cannedReason(err))
		}
		return
	}
	h.seeOther(w, r, "/canned", notice)
}

// cannedIndex reads a canned reply's index from the path, or
// fault.ErrNotFound.
func cannedIndex(r *http.Request) (int, error) {
	v := r.PathValue("index")
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 || strconv.Itoa(i) != v {
		return 0, fmt.Errorf("canned reply %q: %w", v, fault.ErrNotFound)
	}
	return i, nil
}

// cannedForm reads a canned reply from a form.
func cannedForm(r *http.Request) ticket.CannedReply {
	return ticket.CannedReply{Name: strings.TrimSpace(r.PostForm.Get("name")), Queue: r.PostForm.Get("queue"),
		Text: strings.ReplaceAll(r.PostForm.Get("text"), "\r\n", "\n")}
}

// cannedRefs finds a canned reply named by its index, "canned[0]".
var cannedRefs = regexp.MustCompile(`canned\[\d+\]`)

// cannedReason is why a change was refused, with canned[N] written as the
// page counts ("canned reply 3").
func cannedReason(err error) string {
	return cannedRefs.ReplaceAllStringFunc(reason(err), func(ref string) string {
		var n int
		fmt.Sscanf(ref, "canned[%d]", &n)
		return fmt.Sprintf("canned reply %d", n+1)
	})
}
