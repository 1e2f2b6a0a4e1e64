package api

import (
	"net/http"
	"testing"
	"time"

	"frontdesk/web/front"
	"frontdesk/web/internal/testweb"
)

// Managers list the downloads that gave up (?queue=media), with their
// ticket and reason, and retry or purge them by job id; ?queue=media on a
// send's id is not a send.
func TestDeadDownloadJobs(t *testing.T) {
	store := testweb.NewStore(t)
	acc := testweb.NewAccounts()
	f := newFront(t, store, acc, nil)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	dl := &testweb.Downloads{Dead: []front.DeadDownload{
		{ID: "twilio:recording:RE1", What: "recording", TicketID: "1042", MessageID: "m1", Error: "download: 403 Forbidden", Attempts: 8, At: at},
		{ID: "twilio:fax:FX1", What: "fax", TicketID: "1043", MessageID: "m1", Reason: "The phone service no longer has the file.", Error: "download: 404 Not Found", Attempts: 8, At: at},
		{ID: "missed:CA1", What: "missed call", From: "+15555550123", Error: "twilio: 500", Attempts: 8, At: at},
	}}
	f.Downloads = dl
	e := &apiEnv{h: serveAPI(f), store: store, accounts: acc}

	e.do(t, req{method: "GET", target: "/api/v1/jobs?queue=media", token: annToken}).want(t, http.StatusForbidden, "")
	page := decode[jobPage](t, e.do(t, req{method: "GET", target: "/api/v1/jobs?state=dead&queue=media&offset=1&limit=1", token: maxToken}))
	if page.Total != 3 || len(page.Jobs) != 1 {
		t.Fatalf("page 2 of the dead downloads = %+v", page)
	}
	if j := page.Jobs[0]; j.ID != "twilio:fax:FX1" || j.Queue != "media" || j.State != "dead" || j.What != "fax" || j.TicketID != "1043" ||
		j.Error != "download: 404 Not Found" || j.Reason != "The phone service no longer has the file." || j.Attempts != 8 || !j.At.Equal(at) || j.Delivery != "" {
		t.Fatalf("dead download = %+v", j)
	}
	e.do(t, req{method: "GET", target: "/api/v1/jobs?queue=mail", token: maxToken}).want(t, http.StatusBadRequest, "queue must be outbox or media")
	e.do(t, req{method: "GET", target: "/api/v1/jobs?queue=media&offset=10001", token: maxToken}).want(t, http.StatusBadRequest, "offset")

	job := "/api/v1/jobs/twilio:recording:RE1"
	e.do(t, req{method: "POST", target: job + "/retry?queue=media", token: annToken}).want(t, http.StatusForbidden, "")
	if got := decode[map[string]bool](t, e.do(t, req{method: "POST", target: job + "/retry?queue=media", token: maxToken})); !got["queued"] {
		t.Fatalf("retry = %v, want queued", got)
	}
	if got := decode[map[string]bool](t, e.do(t, req{method: "POST", target: job + "/retry?queue=media", token: maxToken})); got["queued"] {
		t.Fatalf("second retry = %v, want not queued again", got)
	}
	if len(dl.Retried()) != 1 {
		t.Fatalf("retried %q, want the recording once", dl.Retried())
	}
	// Without ?queue=media the id is read as a send's, which it is not.
	e.do(t, req{method: "POST", target: "/api/v1/jobs/missed:CA1/purge", token: maxToken}).want(t, http.StatusBadRequest, "TICKET_ID-MESSAGE_ID")
	e.do(t, req{method: "POST", target: "/api/v1/jobs/missed:CA1/purge?queue=media", token: maxToken}).want(t, http.StatusNoContent, "")
	if page := decode[jobPage](t, e.do(t, req{method: "GET", target: "/api/v1/jobs?queue=media", token: maxToken})); page.Total != 1 || page.Jobs[0].ID != "twilio:fax:FX1" {
		t.Fatalf("dead downloads after retry and purge = %+v", page)
	}
	// Outbox jobs keep their shape: no media fields.
	if page := decode[jobPage](t, e.do(t, req{method: "GET", target: "/api/v1/jobs", token: maxToken})); page.Total != 0 {
		t.Fatalf("dead sends = %+v", page)
	}
}

// Without a media queue the list is empty and a media job is not found.
func TestDeadDownloadJobsWithoutMedia(t *testing.T) {
	e := newAPIEnv(t)
	if page := decode[jobPage](t, e.do(t, req{method: "GET", target: "/api/v1/jobs?queue=media", token: maxToken})); page.Total != 0 || page.Jobs == nil {
		t.Fatalf("dead downloads = %+v", page)
	}
	e.do(t, req{method: "POST", target: "/api/v1/jobs/RE1/retry?queue=media", token: maxToken}).want(t, http.StatusNotFound, "")
}
