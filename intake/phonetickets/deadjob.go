package phonetickets

import (
	"encoding/json"
	"strings"

	"frontdesk/jobs"
)

// JobSubject is what a job of the media queue is about, as the managers'
// pages name it.
type JobSubject struct {
	// What: "recording", "picture", "fax", "file", or "missed call" for the
	// check that files a call without a recording.
	What string
	// TicketID and MessageID are the download's message; empty for a
	// missed-call check (its call is on no ticket yet).
	TicketID, MessageID string
	// From is the caller of a missed-call check.
	From string
}

// DescribeJob says what job j of the media queue is about.
func DescribeJob(j jobs.Job) JobSubject {
	switch j.Kind {
	case kindMedia:
		var m mediaJob
		_ = json.Unmarshal(j.Payload, &m)
		what := "file"
		switch ct := strings.ToLower(m.ContentType); {
		case strings.HasPrefix(ct, "audio/"):
			what = "recording"
		case strings.HasPrefix(ct, "image/"):
			what = "picture"
		case ct == "application/pdf":
			what = "fax"
		}
		return JobSubject{What: what, TicketID: m.TicketID, MessageID: m.MessageID}
	case kindMissedCheck:
		var mc missedCheck
		_ = json.Unmarshal(j.Payload, &mc)
		return JobSubject{What: "missed call", From: mc.From}
	}
	return JobSubject{What: j.Kind}
}

// TroubleInWords says in a manager's words why a download failed, from its
// last error (the jobs' record keeps only its text): the pages show it
// with the error itself for whoever digs deeper.
func TroubleInWords(lastError string) string {
	e := strings.ToLower(lastError)
	switch {
	case strings.Contains(e, errRefused.Error()):
		return "The file's address is not one frontdesk may fetch from."
	case strings.Contains(e, " 401 ") || strings.Contains(e, " 403 "):
		return "The phone service refused the download: check its account and token."
	case strings.Contains(e, " 404 "):
		return "The phone service no longer has the file."
	case strings.Contains(e, " 429 "):
		return "The phone service asked frontdesk to slow down."
	case strings.Contains(e, ": 5"), strings.Contains(e, "timeout"), strings.Contains(e, "connection refused"), strings.Contains(e, "no such host"):
		return "The phone service could not be reached or had trouble."
	}
	return "The download failed."
}
