package front

import (
	"context"
	"time"
)

// DeadDownload is a job of the media queue that gave up: the download of a
// recording, picture or fax, or the check that files a call without a
// recording as missed.
type DeadDownload struct {
	ID string `json:"id"` // the job's id, as frontdesk jobs prints it
	// What: recording, picture, fax, file, or "missed call".
	What      string `json:"what"`
	TicketID  string `json:"ticket_id,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	From      string `json:"from,omitempty"` // the caller of a missed call
	// Reason says in a manager's words what went wrong; Error is the last
	// error itself.
	Reason   string    `json:"reason"`
	Error    string    `json:"error"`
	Attempts int       `json:"attempts"`
	At       time.Time `json:"at"` // when it gave up
}

// Downloads are the media downloads that gave up, for managers (the media
// queue of package jobs has them); nil in Front: there are none.
type Downloads interface {
	// DeadDownloads lists up to limit of them, the latest to give up
	// first, and how many there are.
	DeadDownloads(ctx context.Context, limit int) ([]DeadDownload, int, error)
	// RetryDownload tries one again with its attempts counted afresh; false
	// when it was not dead (retried or dismissed already).
	RetryDownload(ctx context.Context, id string) (bool, error)
	// DismissDownload takes one off the list without trying it; false when
	// it was not dead.
	DismissDownload(ctx context.Context, id string) (bool, error)
}
