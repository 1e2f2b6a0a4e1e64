package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"frontdesk/ticket"
	"frontdesk/web/front"
)

// webhooksLogRows is how many of each webhook's latest attempts the page
// shows.
const webhooksLogRows = 50

// webhooksPage is the managers' webhooks page.
type webhooksPage struct {
	Hooks []webhookView
}

type webhookView struct {
	front.WebhookStatus
	Attempts []attemptView
}

// attemptView is one delivery attempt in the words of the page.
type attemptView struct {
	ticket.HookAttempt
	ResultText string
	Answer     string // "HTTP 500", or "no answer"
	Took       string
}

// resultText says what became of an attempt.
var resultText = map[ticket.HookResult]string{
	ticket.HookDelivered: "Delivered",
	ticket.HookFailed:    "Failed, will try again",
	ticket.HookDead:      "Given up",
	ticket.HookLost:      "Interrupted, tried again",
}

// handleUIWebhooks shows each configured webhook with its counts and its
// latest delivery attempts (read-only: webhooks are set in the
// configuration file).
func (h *Handlers) handleUIWebhooks(w http.ResponseWriter, r *http.Request) {
	page := webhooksPage{}
	if h.Webhooks != nil {
		list, err := h.Webhooks.List(r.Context())
		if err != nil {
			h.uiError(w, r, err)
			return
		}
		for _, st := range list {
			log, err := h.Webhooks.Deliveries(r.Context(), st.ID, webhooksLogRows)
			if err != nil {
				h.uiError(w, r, err)
				return
			}
			v := webhookView{WebhookStatus: st}
			for _, a := range log {
				v.Attempts = append(v.Attempts, attemptOf(a))
			}
			page.Hooks = append(page.Hooks, v)
		}
	}
	h.render(w, r, http.StatusOK, "webhooks", &pageData{Title: "Webhooks", Nav: "settings", Data: page})
}

func attemptOf(a ticket.HookAttempt) attemptView {
	v := attemptView{HookAttempt: a, ResultText: resultText[a.Result], Answer: "no answer"}
	if v.ResultText == "" {
		v.ResultText = string(a.Result)
	}
	if a.Status != 0 {
		v.Answer = "HTTP " + strconv.Itoa(a.Status)
	}
	if a.Result != ticket.HookLost {
		d := time.Duration(a.DurationMS) * time.Millisecond
		if d < time.Second {
			v.Took = fmt.Sprintf("%d ms", a.DurationMS)
		} else {
			v.Took = fmt.Sprintf("%.1f s", d.Seconds())
		}
	}
	return v
}
