package ui

import (
	"errors"
	"net/http"
	"time"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/ticket"
)

// feedbackPage is the customer's page behind a closing reply's "Was this
// helpful?" links.
type feedbackPage struct {
	TicketID, Sig string
	// Good is the answer the link chose (or the form sent).
	Good       bool
	Comment    string
	MaxComment int
	// Done says the answer was recorded.
	Done bool
	// Earlier is the answer given before, which the form changes, until
	// Until.
	Earlier *ticket.Feedback
	Until   time.Time
	// Final says an answer was given and may no longer be changed.
	Final bool
	// Refused, when set, says why the link or answer could not be taken.
	Refused string
}

// handleFeedbackPage asks a customer to confirm their answer, with an
// optional comment. It changes nothing: mail scanners follow links, so
// only the form's POST records the answer. A customer who answered before
// finds their comment in the form and until when they may change it; once
// they may not, the page says so instead of offering a form.
func (h *Handlers) handleFeedbackPage(w http.ResponseWriter, r *http.Request) {
	id, q := r.PathValue("id"), r.URL.Query()
	earlier, until, err := h.Desk.GivenFeedback(r.Context(), id, q.Get("s"))
	if err != nil {
		h.feedbackProblem(w, r, err)
		return
	}
	p := feedbackPage{TicketID: id, Sig: q.Get("s"), Good: q.Get("a") != "bad", MaxComment: desk.MaxFeedbackComment,
		Earlier: earlier, Until: until}
	if earlier != nil {
		if until.IsZero() {
			h.render(w, r, http.StatusOK, "feedback", &pageData{Title: "Thank you", Data: feedbackPage{Final: true}})
			return
		}
		p.Comment = earlier.Comment
	}
	h.render(w, r, http.StatusOK, "feedback", &pageData{Title: "Was this helpful?", Data: p})
}

// feedbackFormLimit bounds the feedback form's body: a comment of
// desk.MaxFeedbackComment characters, as the textarea's maxlength lets it
// be written, is up to 9 bytes a character once form-encoded (a 3-byte
// character is %XX three times; a 4-byte one counts as two against
// maxlength), plus the other fields.
const feedbackFormLimit = 9*desk.MaxFeedbackComment + 1024

// handleFeedbackSave records the answer a customer confirmed: one per
// ticket, changeable for a day.
func (h *Handlers) handleFeedbackSave(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, feedbackFormLimit)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusBadRequest, "The form could not be read; please try again.")
		return
	}
	id := r.PathValue("id")
	p := feedbackPage{TicketID: id, Sig: r.PostForm.Get("s"), Good: r.PostForm.Get("answer") != "bad",
		Comment: r.PostForm.Get("comment"), MaxComment: desk.MaxFeedbackComment}
	if err := h.Desk.RecordFeedback(r.Context(), id, p.Sig, p.Good, p.Comment); err != nil {
		h.feedbackProblem(w, r, err)
		return
	}
	p.Done = true
	h.render(w, r, http.StatusOK, "feedback", &pageData{Title: "Thank you", Data: p})
}

// feedbackProblem answers a link or answer that cannot be taken, in the
// customer's words, on the customer's page: not the desk's error page,
// whose bare status and "Back to the queues" are for its users.
func (h *Handlers) feedbackProblem(w http.ResponseWriter, r *http.Request, err error) {
	status, title, msg := 0, "", ""
	switch {
	case errors.Is(err, fault.ErrInvalid), errors.Is(err, fault.ErrNotFound):
		status, title, msg = http.StatusForbidden, "This link does not work",
			"This link is not valid. Please use the link in our mail as it came."
	case errors.Is(err, fault.ErrConflict):
		h.render(w, r, http.StatusConflict, "feedback", &pageData{Title: "Thank you", Data: feedbackPage{Final: true}})
		return
	case errors.Is(err, fault.ErrTooLarge):
		status, title, msg = http.StatusRequestEntityTooLarge, "Comment too long",
			"The comment is too long; please shorten it."
	default:
		h.uiError(w, r, err)
		return
	}
	h.render(w, r, status, "feedback", &pageData{Title: title, Data: feedbackPage{Refused: msg}})
}
