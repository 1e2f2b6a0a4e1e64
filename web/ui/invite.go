package ui

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"frontdesk/desk"
	"frontdesk/fault"
)

// inviteForm is the reply form's invitation as typed: times as the
// browser's datetime-local gives them ("2027-03-03T10:00").
type inviteForm struct {
	Title, Start, End, Location, Description string
}

// readInvite reads the reply form's invitation, nil when its fields are
// empty: the times in the browser's timezone (tz). A time that does not
// read is fault.ErrInvalid saying which; the desk checks the rest.
func readInvite(r *http.Request) (inviteForm, *desk.Invite, error) {
	f := inviteForm{
		Title: strings.TrimSpace(r.PostForm.Get("invite_title")), Start: r.PostForm.Get("invite_start"),
		End: r.PostForm.Get("invite_end"), Location: r.PostForm.Get("invite_location"),
		Description: r.PostForm.Get("invite_description"),
	}
	if f.Title == "" && f.Start == "" && f.End == "" && strings.TrimSpace(f.Location+f.Description) == "" {
		return f, nil, nil
	}
	zone := browserZone(r.PostForm.Get("tz"))
	start, err := time.ParseInLocation("2006-01-02T15:04", f.Start, zone)
	if err != nil {
		return f, nil, fmt.Errorf("%w: choose when the appointment starts", fault.ErrInvalid)
	}
	end, err := time.ParseInLocation("2006-01-02T15:04", f.End, zone)
	if err != nil {
		return f, nil, fmt.Errorf("%w: choose when the appointment ends", fault.ErrInvalid)
	}
	return f, &desk.Invite{Title: f.Title, Start: start, End: end, Location: f.Location, Description: f.Description}, nil
}

// inviteWords says the desk's field names of an invitation in the user's
// words ("invite.title" → "the appointment's title").
var inviteWords = strings.NewReplacer(
	"invite.title", "the appointment's title", "invite.start and invite.end", "the appointment's start and end",
	"invite.start", "the appointment's start", "invite.end", "the appointment's end",
	"invite.location", "the appointment's place", "invite.description", "the appointment's details",
	"invite: ", "")

// withoutInviteMeta is a message's Meta without what an invitation or a
// counter-proposal keeps there for the desk (invite_*, counter_*): the
// ticket's Appointments and the message's own words show it to people.
func withoutInviteMeta(meta map[string]string) map[string]string {
	var out map[string]string
	for k, v := range meta {
		if strings.HasPrefix(k, "invite_") || strings.HasPrefix(k, "counter_") {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}
