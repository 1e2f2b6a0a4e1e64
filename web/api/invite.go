package api

import (
	"frontdesk/desk"
)

// inviteIn is an invitation as POST /tickets/{id}/replies takes it: times in
// RFC 3339 with their offset.
type inviteIn struct {
	Title       string `json:"title"`
	Start       string `json:"start"`
	End         string `json:"end"`
	Location    string `json:"location"`
	Description string `json:"description"`
}

// invite reads in, nil when absent; a time that is not RFC 3339 is
// fault.ErrInvalid naming the field. The desk checks the rest.
func (in *inviteIn) invite() (*desk.Invite, error) {
	if in == nil {
		return nil, nil
	}
	start, err := timeField("invite.start", in.Start)
	if err != nil {
		return nil, err
	}
	end, err := timeField("invite.end", in.End)
	if err != nil {
		return nil, err
	}
	return &desk.Invite{Title: in.Title, Start: start, End: end, Location: in.Location, Description: in.Description}, nil
}
