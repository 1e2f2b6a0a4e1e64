package phonereconcile

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/intake/phone"
	"frontdesk/internal/twilioapi"
)

// Kinds, the kind label of frontdesk_twilio_reconciled_total.
const (
	kindMessage   = "message"
	kindCall      = "call"
	kindRecording = "recording"
)

// messages is the list of the inbound messages to number.
func (r *Reconciler) messages(number string) list {
	return list{name: "messages:" + number, kind: kindMessage,
		read: func(ctx context.Context, after, before time.Time, limit int) ([]item, error) {
			p := &openapi.ListMessageParams{}
			p.SetTo(number).SetDateSentAfter(after).SetDateSentBefore(before).SetPageSize(pageSize).SetLimit(limit)
			ms, err := twilioapi.API(ctx, r.cfg).ListMessage(p)
			if err != nil {
				return nil, fmt.Errorf("list messages to %s: %w", number, err)
			}
			items := make([]item, 0, len(ms))
			for _, m := range ms {
				at, ok := parseDate(str(m.DateSent), str(m.DateCreated))
				if !ok {
					continue
				}
				items = append(items, item{sid: str(m.Sid), at: at,
					file: func(ctx context.Context) (string, error) { return r.fileMessage(ctx, m, at) }})
			}
			return items, nil
		}}
}

// fileMessage files an inbound message that is not stored, with its
// pictures, as the webhook would have.
func (r *Reconciler) fileMessage(ctx context.Context, m openapi.ApiV2010Message, at time.Time) (string, error) {
	sid := str(m.Sid)
	if str(m.Direction) != "inbound" || !isSID(sid, "SM", "MM") {
		return resultIgnored, nil
	}
	if stored, err := r.stored(ctx, "twilio:sms:"+sid); err != nil || stored {
		return resultPresent, err
	}
	sms := phone.SMS{Common: r.common(str(m.AccountSid), str(m.From), str(m.To), at), MessageSID: sid, Body: str(m.Body)}
	if n, _ := strconv.Atoi(str(m.NumMedia)); n > 0 {
		media, err := twilioapi.API(ctx, r.cfg).ListMedia(sid, nil)
		if err != nil {
			return "", fmt.Errorf("list the media of message %s: %w", sid, err)
		}
		for _, md := range media {
			sms.Media = append(sms.Media, phone.Media{
				URL:         twilioapi.URL(r.cfg, strings.TrimSuffix(str(md.Uri), ".json")),
				ContentType: str(md.ContentType),
			})
		}
	}
	if err := r.sink.SMS(ctx, sms); err != nil {
		return "", err
	}
	return resultFiled, nil
}

// recordings is the list of the account's recordings; recorded collects
// the calls that have a completed recording of ours, for calls.
func (r *Reconciler) recordings(recorded map[string]bool) list {
	return list{name: "recordings", kind: kindRecording,
		read: func(ctx context.Context, after, before time.Time, limit int) ([]item, error) {
			p := &openapi.ListRecordingParams{}
			p.SetDateCreatedAfter(after).SetDateCreatedBefore(before).SetPageSize(pageSize).SetLimit(limit)
			rs, err := twilioapi.API(ctx, r.cfg).ListRecording(p)
			if err != nil {
				return nil, fmt.Errorf("list recordings: %w", err)
			}
			items := make([]item, 0, len(rs))
			for _, rec := range rs {
				at, ok := parseDate(str(rec.DateCreated), str(rec.StartTime))
				if !ok {
					continue
				}
				items = append(items, item{sid: str(rec.Sid), at: at,
					file: func(ctx context.Context) (string, error) { return r.fileRecording(ctx, rec, at, recorded) }})
			}
			return items, nil
		}}
}

// fileRecording files a voicemail that is not stored: the call it was
// left on (fetched for its caller and number, which a recording does not
// carry), its transcript when the number transcribes, then the recording.
func (r *Reconciler) fileRecording(ctx context.Context, rec openapi.ApiV2010Recording, at time.Time, recorded map[string]bool) (string, error) {
	sid, callSID := str(rec.Sid), str(rec.CallSid)
	if !isSID(sid, "RE") || !isSID(callSID, "CA") {
		return resultIgnored, nil
	}
	switch str(rec.Status) {
	case "completed":
	case "in-progress", "paused", "processing":
		return resultPending, nil
	default: // absent, failed, deleted: nothing to file (the call may be a missed one)
		return resultIgnored, nil
	}
	if stored, err := r.stored(ctx, "twilio:recording:"+sid); err != nil || stored {
		if stored {
			recorded[callSID] = true
		}
		return resultPresent, err
	}
	api := twilioapi.API(ctx, r.cfg)
	call, err := api.FetchCall(callSID, nil)
	if err != nil {
		return "", fmt.Errorf("fetch call %s of recording %s: %w", callSID, sid, err)
	}
	n, ours := r.numbers[str(call.To)]
	if str(call.Direction) != "inbound" || !ours {
		return resultIgnored, nil // another application's number on the account
	}
	recorded[callSID] = true
	started, ok := parseDate(str(call.StartTime), str(call.DateCreated))
	if !ok {
		started = at
	}
	if err := r.sink.Call(ctx, phone.Call{Common: r.common(str(call.AccountSid), str(call.From), str(call.To), started),
		CallSID: callSID, CallerName: str(call.CallerName)}); err != nil {
		return "", err
	}
	c := r.common(str(rec.AccountSid), str(call.From), str(call.To), at)
	if n.Transcribe {
		trs, err := api.ListRecordingTranscription(sid, nil)
		if err != nil {
			return "", fmt.Errorf("list the transcriptions of recording %s: %w", sid, err)
		}
		for _, tr := range trs {
			if str(tr.Status) != "completed" || !isSID(str(tr.Sid), "TR") {
				continue
			}
			if err := r.sink.Transcription(ctx, phone.Transcription{Common: c, CallSID: callSID, RecordingSID: sid,
				TranscriptionSID: str(tr.Sid), TranscriptionText: str(tr.TranscriptionText), TranscriptionStatus: "completed"}); err != nil {
				return "", err
			}
		}
	}
	duration, _ := strconv.Atoi(str(rec.Duration))
	err = r.sink.Recording(ctx, phone.Recording{Common: c, CallSID: callSID, RecordingSID: sid,
		RecordingURL:    twilioapi.URL(r.cfg, strings.TrimSuffix(str(rec.Uri), ".json")),
		RecordingStatus: "completed", DurationSeconds: duration})
	if err != nil {
		return "", err
	}
	return resultFiled, nil
}

// calls is the list of the inbound calls to number; recorded holds the
// calls this round found a recording of.
func (r *Reconciler) calls(number string, recorded map[string]bool) list {
	return list{name: "calls:" + number, kind: kindCall,
		read: func(ctx context.Context, after, before time.Time, limit int) ([]item, error) {
			p := &openapi.ListCallParams{}
			p.SetTo(number).SetStartTimeAfter(after).SetStartTimeBefore(before).SetPageSize(pageSize).SetLimit(limit)
			cs, err := twilioapi.API(ctx, r.cfg).ListCall(p)
			if err != nil {
				return nil, fmt.Errorf("list calls to %s: %w", number, err)
			}
			items := make([]item, 0, len(cs))
			for _, call := range cs {
				at, ok := parseDate(str(call.StartTime), str(call.DateCreated))
				if !ok {
					continue
				}
				items = append(items, item{sid: str(call.Sid), at: at,
					file: func(ctx context.Context) (string, error) { return r.fileCall(ctx, call, at, recorded) }})
			}
			return items, nil
		}}
}

// fileCall files a call that ended without a voicemail and is not stored:
// a missed call for busy, no-answer, failed and canceled; for a completed
// call without a recording the Sink decides, as after its status webhook
// (it files a missed call unless a recording comes).
func (r *Reconciler) fileCall(ctx context.Context, call openapi.ApiV2010Call, at time.Time, recorded map[string]bool) (string, error) {
	sid, status := str(call.Sid), str(call.Status)
	if str(call.Direction) != "inbound" || !isSID(sid, "CA") {
		return resultIgnored, nil
	}
	switch status {
	case "queued", "ringing", "in-progress":
		return resultPending, nil
	case "busy", "no-answer", "failed", "canceled", "completed":
	default:
		return resultIgnored, nil
	}
	if stored, err := r.stored(ctx, "twilio:missed:"+sid); err != nil || stored {
		return resultPresent, err
	}
	if status == "completed" {
		if recorded[sid] {
			return resultPresent, nil // its voicemail is stored, or was just filed
		}
		if res, err := r.fileVoicemailOf(ctx, sid); err != nil || res != "" {
			return res, err
		}
	}
	c := r.common(str(call.AccountSid), str(call.From), str(call.To), at)
	if err := r.sink.Call(ctx, phone.Call{Common: c, CallSID: sid, CallerName: str(call.CallerName)}); err != nil {
		return "", err
	}
	ended, ok := parseDate(str(call.EndTime), "")
	if !ok {
		ended = at
	}
	c.Received = ended
	duration, _ := strconv.Atoi(str(call.Duration))
	if err := r.sink.CallStatus(ctx, phone.CallStatus{Common: c, CallSID: sid, CallStatus: status, DurationSeconds: duration}); err != nil {
		return "", err
	}
	return resultFiled, nil
}

// fileVoicemailOf files the voicemail left on a completed call, unless it
// is stored: its result, or "" when the call has no completed recording.
func (r *Reconciler) fileVoicemailOf(ctx context.Context, callSID string) (string, error) {
	p := &openapi.ListRecordingParams{}
	p.SetCallSid(callSID).SetPageSize(pageSize).SetLimit(pageSize)
	recs, err := twilioapi.API(ctx, r.cfg).ListRecording(p)
	if err != nil {
		return "", fmt.Errorf("list the recordings of call %s: %w", callSID, err)
	}
	result := ""
	for _, rec := range recs {
		if str(rec.Status) != "completed" {
			continue
		}
		at, ok := parseDate(str(rec.DateCreated), str(rec.StartTime))
		if !ok {
			continue
		}
		res, err := r.fileRecording(ctx, rec, at, map[string]bool{})
		switch {
		case err != nil:
			return "", err
		case res == resultFiled, result == "":
			result = res
		}
	}
	return result, nil
}

// stored reports whether a source key is stored.
func (r *Reconciler) stored(ctx context.Context, key string) (bool, error) {
	_, err := r.store.FindSource(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fault.ErrNotFound):
		return false, nil
	}
	return false, err
}

// common is what a webhook for this item would have carried.
func (r *Reconciler) common(account, from, to string, at time.Time) phone.Common {
	n, known := r.numbers[to]
	if !known {
		n = config.Number{Number: to, Queue: r.cfg.DefaultQueue}
	}
	return phone.Common{AccountSID: account, From: from, To: to, Number: n, KnownNumber: known, Received: at}
}

// parseDate reads the first of Twilio's dates (RFC 2822, "Mon, 16 Aug 2010
// 03:45:01 +0000") that is set and well-formed.
func parseDate(values ...string) (time.Time, bool) {
	for _, v := range values {
		if v == "" {
			continue
		}
		for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// isSID reports whether s is a Twilio SID with one of prefixes: the prefix
// and 32 lower-case hexadecimal digits (as the webhooks require).
func isSID(s string, prefixes ...string) bool {
	if len(s) != 34 {
		return false
	}
	ok := false
	for _, p := range prefixes {
		ok = ok || s[:2] == p
	}
	for i := 2; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
	}
	return ok
}
