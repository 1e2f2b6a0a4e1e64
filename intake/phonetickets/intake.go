// Package phonetickets turns Twilio's events — calls, voicemail, transcripts,
// texts and faxes, received by package phone — into tickets, exactly once
// each, whatever order Twilio's callbacks arrive in and however often.
//
// A call's callbacks meet on one ticket through a thread key per CallSid; a
// number's texts within twilio.sms_thread_window through a thread key per
// pair of numbers. Every message is keyed by its Twilio SID. Media (recordings,
// pictures, fax pages) are downloaded afterwards by jobs in Redis, so that a
// webhook answers at once and a failed download is retried.
package phonetickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/intake/phone"
	"frontdesk/internal/promreg"
	"frontdesk/jobs"
	"frontdesk/ticket"
)

// callTTL is how long a call's details are kept for its callbacks, and how
// long its thread key joins them on one ticket.
const callTTL = 7 * 24 * time.Hour

// missedCallCheck is how long after a completed call without a recording
// frontdesk waits for the recording callback before it files a missed call.
const missedCallCheck = 2 * time.Minute

// Intake is the phone.Sink that stores events as tickets.
type Intake struct {
	desk   *desk.Desk
	store  ticket.Store // the desk's: transcripts and media on stored messages
	rdb    redis.UniversalClient
	prefix string
	cfg    *config.Config
	media  *jobs.Queue
	logger *slog.Logger
	// fetcher downloads media under the SSRF policy of fetch.go.
	fetcher *mediaFetcher

	faxFailures prometheus.Counter
	// missedAfter is how long a completed call without a recording waits
	// for one before it is filed as missed (missedCallCheck; tests shorten it).
	missedAfter time.Duration
}

var _ phone.Sink = (*Intake)(nil)

// Options configure an Intake. A nil *Options is equivalent to a zero one.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// New returns an Intake filing at d, keeping call details in rdb under the
// configured prefix, and queueing media downloads on media.
func New(d *desk.Desk, rdb redis.UniversalClient, media *jobs.Queue, opts *Options) *Intake {
	if opts == nil {
		opts = &Options{}
	}
	cfg := d.Config()
	in := &Intake{desk: d, store: d.Store(), rdb: rdb, prefix: cfg.Redis.Prefix, cfg: cfg, media: media, logger: opts.Logger,
		missedAfter: missedCallCheck,
		faxFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "frontdesk_fax_failures_total", Help: "Fax callbacks with a failed status (no ticket is made for them).",
		})}
	if in.logger == nil {
		in.logger = slog.Default()
	}
	in.faxFailures = promreg.Register(opts.Registerer, in.faxFailures)
	in.fetcher = newMediaFetcher(cfg.Twilio)
	return in
}

// callKey holds a call's details for its later callbacks; its hash tag is the
// call's own.
func (in *Intake) callKey(callSID string) string {
	return in.prefix + ":twilio:call:{" + callSID + "}"
}

// Call remembers who called which number, for the callbacks that follow.
func (in *Intake) Call(ctx context.Context, c phone.Call) error {
	k := in.callKey(c.CallSID)
	_, err := in.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, "from", c.From, "to", c.To, "queue", c.Number.Queue, "name", c.CallerName)
		p.Expire(ctx, k, callTTL)
		return nil
	})
	return fault.Redis("remember call "+c.CallSID, err)
}

// callInfo is what Call remembered, with what a callback itself says filled in.
type callInfo struct {
	from, to, queue, name, transcript, recording string
}

func (in *Intake) callInfo(ctx context.Context, callSID string, c phone.Common) (callInfo, error) {
	f, err := in.rdb.HGetAll(ctx, in.callKey(callSID)).Result()
	if err != nil {
		return callInfo{}, fault.Redis("read call "+callSID, err)
	}
	ci := callInfo{from: f["from"], to: f["to"], queue: f["queue"], name: f["name"], transcript: f["transcript"], recording: f["recording"]}
	if ci.from == "" {
		ci.from = c.From
	}
	if ci.to == "" {
		ci.to = c.To
	}
	if ci.queue == "" {
		ci.queue = c.Number.Queue
	}
	if ci.queue == "" {
		ci.queue = in.cfg.Twilio.DefaultQueue
	}
	return ci, nil
}

// Recording files a voicemail: a voice ticket (or a message on the call's
// ticket, if a missed call was filed first), with the transcript if it came
// first, and a job that downloads the audio.
func (in *Intake) Recording(ctx context.Context, r phone.Recording) error {
	if r.RecordingStatus != "" && r.RecordingStatus != "completed" {
		// Nothing usable was recorded: the call's status callback files it
		// as a missed call.
		in.logger.Info("recording not completed", slog.String("call", r.CallSID), slog.String("status", r.RecordingStatus))
		return nil
	}
	if err := in.rdb.HSet(ctx, in.callKey(r.CallSID), "recording", r.RecordingSID).Err(); err != nil {
		return fault.Redis("note recording of call "+r.CallSID, err)
	}
	ci, err := in.callInfo(ctx, r.CallSID, r.Common)
	if err != nil {
		return err
	}
	source := "twilio:recording:" + r.RecordingSID
	nt := ticket.NewTicket{
		Channel: ticket.ChannelVoice, Queue: ci.queue, Subject: "Voicemail from " + orUnknown(ci.from),
		Customer:  ticket.Customer{Name: ci.name, Phone: ci.from},
		ThreadKey: "call:" + r.CallSID, ThreadTTL: callTTL,
		Message: ticket.NewMessage{
			SourceKey: source, Channel: ticket.ChannelVoice, Kind: ticket.KindVoicemail,
			From: ci.from, To: nonEmpty(ci.to), Text: ci.transcript, By: "intake:twilio", At: r.Received,
			Meta: map[string]string{"call_sid": r.CallSID, "recording_sid": r.RecordingSID,
				"duration": strconv.Itoa(r.DurationSeconds), "caller": ci.from, "called": ci.to},
		},
	}
	rc, err := in.desk.Receive(ctx, nt)
	if err != nil {
		return fmt.Errorf("store voicemail %s: %w", r.RecordingSID, err)
	}
	if err := in.download(ctx, rc, source+":audio", r.RecordingURL+".mp3", "voicemail-"+r.RecordingSID+".mp3", "audio/mpeg"); err != nil {
		return err
	}
	// The transcript may have arrived between reading the call and storing
	// the message: look again, now that the message exists.
	if ci, err = in.callInfo(ctx, r.CallSID, r.Common); err != nil {
		return err
	}
	if ci.transcript != "" {
		return in.store.SetTranscript(ctx, rc.TicketID, rc.MessageID, ci.transcript, "intake:twilio")
	}
	return nil
}

// Transcription puts a voicemail's transcript on its message, or keeps it for
// the recording callback when that has not come yet.
func (in *Intake) Transcription(ctx context.Context, t phone.Transcription) error {
	if t.TranscriptionStatus != "" && t.TranscriptionStatus != "completed" {
		in.logger.Info("transcription failed", slog.String("call", t.CallSID), slog.String("status", t.TranscriptionStatus))
		return nil
	}
	k := in.callKey(t.CallSID)
	_, err := in.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, k, "transcript", t.TranscriptionText)
		p.Expire(ctx, k, callTTL)
		return nil
	})
	if err != nil {
		return fault.Redis("keep transcript of call "+t.CallSID, err)
	}
	rc, err := in.store.FindSource(ctx, "twilio:recording:"+t.RecordingSID)
	if errors.Is(err, fault.ErrNotFound) {
		return nil // the recording callback will pick the transcript up
	}
	if err != nil {
		return err
	}
	return in.store.SetTranscript(ctx, rc.TicketID, rc.MessageID, t.TranscriptionText, "intake:twilio")
}

// CallStatus files a missed call: at once for a call that was never answered,
// and for a completed one only if no recording comes within missedCallCheck.
func (in *Intake) CallStatus(ctx context.Context, s phone.CallStatus) error {
	switch s.CallStatus {
	case "busy", "no-answer", "failed", "canceled":
		return in.missedCall(ctx, s.CallSID, s.Common, s.CallStatus)
	case "completed":
		ci, err := in.callInfo(ctx, s.CallSID, s.Common)
		if err != nil || ci.recording != "" {
			return err
		}
		payload, _ := json.Marshal(missedCheck{CallSID: s.CallSID, From: s.From, To: s.To, Queue: s.Number.Queue, Received: s.Received})
		err = in.media.Enqueue(ctx, jobs.Job{ID: "missed-check:" + s.CallSID, Kind: kindMissedCheck, Payload: payload},
			s.Received.Add(in.missedAfter))
		return err
	}
	return nil
}

// missedCheck is the payload of the job that files a completed call without a
// recording as missed.
type missedCheck struct {
	CallSID, From, To, Queue string
	Received                 time.Time
}

func (in *Intake) missedCall(ctx context.Context, callSID string, c phone.Common, status string) error {
	ci, err := in.callInfo(ctx, callSID, c)
	if err != nil {
		return err
	}
	text := "Missed call from " + orUnknown(ci.from) + " (" + status + "). Call back " + orUnknown(ci.from) + "."
	nt := ticket.NewTicket{
		Channel: ticket.ChannelVoice, Queue: ci.queue, Subject: "Missed call from " + orUnknown(ci.from),
		Customer:  ticket.Customer{Name: ci.name, Phone: ci.from},
		ThreadKey: "call:" + callSID, ThreadTTL: callTTL,
		Message: ticket.NewMessage{
			SourceKey: "twilio:missed:" + callSID, Channel: ticket.ChannelVoice, Kind: ticket.KindMissedCall,
			From: ci.from, To: nonEmpty(ci.to), Text: text, By: "intake:twilio", At: c.Received,
			Meta: map[string]string{"call_sid": callSID, "call_status": status, "caller": ci.from, "called": ci.to},
		},
	}
	if _, err := in.desk.Receive(ctx, nt); err != nil {
		return fmt.Errorf("store missed call %s: %w", callSID, err)
	}
	return nil
}

// SMS files a text: a new ticket, or a message on the ticket of the same
// conversation (these two numbers, within twilio.sms_thread_window, not
// closed), with a job per picture.
func (in *Intake) SMS(ctx context.Context, m phone.SMS) error {
	window := in.cfg.Twilio.SMSThreadWindow
	if window <= 0 {
		window = 24 * time.Hour
	}
	queue := m.Number.Queue
	if queue == "" {
		queue = in.cfg.Twilio.DefaultQueue
	}
	source := "twilio:sms:" + m.MessageSID
	nt := ticket.NewTicket{
		Channel: ticket.ChannelSMS, Queue: queue, Subject: "SMS from " + orUnknown(m.From),
		Customer:  ticket.Customer{Phone: m.From},
		ThreadKey: "sms:" + m.From + ":" + m.To, ThreadTTL: window,
		Message: ticket.NewMessage{
			SourceKey: source, Channel: ticket.ChannelSMS, Kind: ticket.KindSMS,
			From: m.From, To: nonEmpty(m.To), Text: m.Body, By: "intake:twilio", At: m.Received,
			Meta: map[string]string{"message_sid": m.MessageSID, "media": strconv.Itoa(len(m.Media))},
		},
	}
	rc, err := in.desk.Receive(ctx, nt)
	if err != nil {
		return fmt.Errorf("store SMS %s: %w", m.MessageSID, err)
	}
	for i, media := range m.Media {
		name := fmt.Sprintf("mms-%s-%d%s", m.MessageSID, i, extension(media.ContentType))
		if err := in.download(ctx, rc, fmt.Sprintf("%s:media:%d", source, i), media.URL, name, media.ContentType); err != nil {
			return err
		}
	}
	return nil
}

// Fax files a received fax with a job that downloads its PDF; a failed fax is
// logged and counted, not filed.
func (in *Intake) Fax(ctx context.Context, f phone.Fax) error {
	if f.FaxStatus != "received" {
		if strings.Contains(f.FaxStatus, "fail") || f.ErrorCode != "" {
			in.faxFailures.Inc()
			in.logger.Warn("fax not received", slog.String("fax", f.FaxSID), slog.String("status", f.FaxStatus),
				slog.String("error", f.ErrorCode+" "+f.ErrorMessage))
		}
		return nil
	}
	queue := f.Number.Queue
	if queue == "" {
		queue = in.cfg.Twilio.DefaultQueue
	}
	source := "twilio:fax:" + f.FaxSID
	nt := ticket.NewTicket{
		Channel: ticket.ChannelFax, Queue: queue, Subject: "Fax from " + orUnknown(f.From),
		Customer: ticket.Customer{Phone: f.From},
		Message: ticket.NewMessage{
			SourceKey: source, Channel: ticket.ChannelFax, Kind: ticket.KindFax,
			From: f.From, To: nonEmpty(f.To), Text: fmt.Sprintf("Fax of %d page(s) from %s.", f.NumPages, orUnknown(f.From)),
			By: "intake:twilio", At: f.Received,
			Meta: map[string]string{"fax_sid": f.FaxSID, "pages": strconv.Itoa(f.NumPages)},
		},
	}
	rc, err := in.desk.Receive(ctx, nt)
	if err != nil {
		return fmt.Errorf("store fax %s: %w", f.FaxSID, err)
	}
	if f.MediaURL == "" {
		return nil
	}
	return in.download(ctx, rc, source+":pdf", f.MediaURL, "fax-"+f.FaxSID+".pdf", "application/pdf")
}

func orUnknown(number string) string {
	if number == "" {
		return "an unknown number"
	}
	return number
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// extension is a file extension for a media type, for download names.
func extension(contentType string) string {
	switch strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0])) {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	case "video/mp4":
		return ".mp4"
	case "audio/mpeg":
		return ".mp3"
	}
	return ""
}
