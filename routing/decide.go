package routing

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdesk/ticket"
)

// Input is what routing knows of a new ticket. Intake fills in what its
// channel has: mail has addresses, subject, body and attachments; calls,
// texts and faxes have the caller and the called number.
type Input struct {
	Channel ticket.Channel `json:"channel"`
	// Mailbox is the name of the mailbox a mail came in through.
	Mailbox string `json:"mailbox,omitempty"`
	// To and Cc are the recipients' addresses; From is the sender's. A
	// "Name <addr>" form is read as addr.
	To   []string `json:"to,omitempty"`
	Cc   []string `json:"cc,omitempty"`
	From string   `json:"from,omitempty"`
	// Subject and Body are the message's subject and plain text; an SMS
	// has only a body, a voicemail its transcript.
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`
	// Attachments are the attachments' content types.
	Attachments []string `json:"attachments,omitempty"`
	// Caller and Called are phone numbers, E.164 preferred.
	Caller string      `json:"caller,omitempty"`
	Called string      `json:"called,omitempty"`
	Kind   ticket.Kind `json:"kind,omitempty"`
	// CustomerTags are the tags of the customer behind the ticket.
	CustomerTags []string        `json:"customer_tags,omitempty"`
	Priority     ticket.Priority `json:"priority,omitempty"`
	// Now is the moment business_hours conditions test; callers set it
	// (routing reads no clock).
	Now time.Time `json:"now"`
}

// Assignment is whom an assign action gives the ticket to: a user, or a
// team with the strategy that picks a member (round_robin or least_open).
type Assignment struct {
	Assignee string `json:"assignee,omitempty"`
	Team     string `json:"team,omitempty"`
	Strategy string `json:"strategy,omitempty"`
}

// Decision is where a ticket goes. Decide starts from the caller's
// defaults and changes what matching rules say.
type Decision struct {
	Queue    string          `json:"queue"`
	Priority ticket.Priority `json:"priority"`
	Tags     []string        `json:"tags"`
	// Assign is nil when no rule assigns the ticket.
	Assign *Assignment `json:"assign,omitempty"`
	// SLA is the first response time; 0 means the queue's default.
	SLA time.Duration `json:"-"`
	// AutoAck is nil when the queue's setting applies.
	AutoAck *bool `json:"auto_ack,omitempty"`
	// AckTemplate is the acknowledgement's template; empty means the
	// queue's.
	AckTemplate string `json:"ack_template,omitempty"`
	Spam        bool   `json:"spam"`
	// Matched names the rules that matched, in order.
	Matched []string `json:"matched"`
}

// MarshalJSON writes the decision with SLA as a duration string ("4h0m0s"),
// omitted when zero.
func (d Decision) MarshalJSON() ([]byte, error) {
	type plain Decision
	out := struct {
		plain
		SLA string `json:"sla,omitempty"`
	}{plain: plain(d)}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if out.Matched == nil {
		out.Matched = []string{}
	}
	if d.SLA != 0 {
		out.SLA = d.SLA.String()
	}
	return json.Marshal(out)
}

// Trace tells, rule by rule, how Decide reached its decision: every rule
// tried, in order, up to the one that stopped routing.
type Trace []TraceRule

// TraceRule is one rule tried.
type TraceRule struct {
	Rule  string `json:"rule"`
	Index int    `json:"index"`
	// Enabled is false for a disabled rule, which was skipped.
	Enabled bool `json:"enabled"`
	Matched bool `json:"matched"`
	// Conditions are the conditions evaluated, in order, until the
	// outcome was known; none for a disabled rule.
	Conditions []TraceCondition `json:"conditions"`
}

// TraceCondition is one condition evaluated.
type TraceCondition struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value"`
	// Actual is what the input had, shortened to 200 characters; lists
	// are joined with ", ".
	Actual  string `json:"actual"`
	Matched bool   `json:"matched"`
}

// Decide runs the rules over in, starting from start (the defaults: the
// mailbox's or number's queue, the input's priority), and returns the
// decision with a trace of the rules tried. A rule's conditions are
// evaluated in order until the outcome is known (the first false one for
// match all, the first true one for match any); the trace shows those.
func (c *Compiled) Decide(in Input, start Decision) (Decision, Trace) {
	return c.decide(in, start, true)
}

// Route is Decide without the trace: what routing a new ticket needs, at a
// fraction of the cost (no trace to allocate).
func (c *Compiled) Route(in Input, start Decision) Decision {
	d, _ := c.decide(in, start, false)
	return d
}

func (c *Compiled) decide(in Input, start Decision, traced bool) (Decision, Trace) {
	d := start
	d.Tags = slices.Clone(start.Tags)
	d.Matched = slices.Clone(start.Matched)
	if start.Assign != nil {
		d.Assign = new(*start.Assign)
	}
	if start.AutoAck != nil {
		d.AutoAck = new(*start.AutoAck)
	}
	v := &view{in: &in, c: c}
	var trace Trace
	if traced {
		trace = make(Trace, 0, len(c.rules))
	}
	var tcs []TraceCondition
	for i := range c.rules {
		r := &c.rules[i]
		var tr *TraceRule
		if traced {
			trace = trace[:i+1]
			tr = &trace[i]
			tr.Rule, tr.Index, tr.Enabled = r.name, i, r.enabled
		}
		if !r.enabled {
			continue
		}
		if traced && len(tcs) < len(r.conds) {
			tcs = make([]TraceCondition, max(len(r.conds), min(c.nconds, traceChunk)))
		}
		matched := !r.any || len(r.conds) == 0
		n := 0
		for j := range r.conds {
			cond := &r.conds[j]
			ok := v.test(cond)
			if traced {
				tc := &tcs[n]
				tc.Field, tc.Op, tc.Value = fields[cond.field].name, cond.opName, cond.value
				if cond.kind <= kindEnum && v.haveShown[cond.field] {
					tc.Actual = v.shown[cond.field]
				} else {
					tc.Actual = v.actual(cond)
				}
				tc.Matched = ok
				n++
			}
			if ok == r.any {
				// All fails at its first false condition, any succeeds at
				// its first true one.
				matched = ok
				break
			}
		}
		if traced {
			tr.Conditions, tcs = tcs[:n:n], tcs[n:]
			tr.Matched = matched
		}
		if !matched {
			continue
		}
		d.apply(r)
		if r.stop {
			break
		}
	}
	return d, trace
}

// traceChunk is how many trace conditions Decide allocates at a time.
const traceChunk = 256

// apply makes a matched rule's actions.
func (d *Decision) apply(r *crule) {
	d.Matched = append(d.Matched, r.name)
	for _, a := range r.actions {
		switch a.t {
		case aSetQueue:
			d.Queue = a.str
		case aSetPriority:
			d.Priority = ticket.Priority(a.str)
		case aAddTags:
			for _, t := range a.tags {
				if !slices.Contains(d.Tags, t) {
					d.Tags = append(d.Tags, t)
				}
			}
		case aAssign:
			d.Assign = new(a.assign)
		case aSetSLA:
			d.SLA = a.sla
		case aAutoAck:
			d.AutoAck = new(a.ack)
			d.AckTemplate = a.str
		case aSpam:
			d.Spam = true
		}
	}
}

// view is one Decide's reading of its input: each field's values,
// normalised and case-folded the first time a condition asks for them.
type view struct {
	in     *Input
	c      *Compiled
	folder folder

	have, haveFold, haveShown, haveLow [numFields]bool
	vals, folded, lowered              [numFields][]string
	one, oneFold, oneLow               [numFields][1]string
	shown                              [numFields]string

	open      []int8 // per calendar: 0 not yet known, 1 open, -1 closed
	calShown  []string
	hasShowns []bool
}

// raw returns the field's input values as written (for lists) or a single
// value, before normalisation.
func (v *view) raw(f field) (string, []string, bool) {
	in := v.in
	switch f {
	case fChannel:
		return string(in.Channel), nil, false
	case fMailbox:
		return in.Mailbox, nil, false
	case fTo:
		return "", in.To, true
	case fCc:
		return "", in.Cc, true
	case fFrom:
		return address(in.From), nil, false
	case fFromDomain:
		return domain(address(in.From)), nil, false
	case fSubject:
		return in.Subject, nil, false
	case fBody:
		return in.Body, nil, false
	case fAttachmentType:
		return "", in.Attachments, true
	case fCaller:
		return in.Caller, nil, false
	case fCalled:
		return in.Called, nil, false
	case fKind:
		return string(in.Kind), nil, false
	case fCustomerTag:
		return "", in.CustomerTags, true
	case fPriority:
		return string(in.Priority), nil, false
	}
	return "", nil, false
}

// values returns the field's values in NFC, phone numbers without
// formatting, addresses bare and content types without parameters.
func (v *view) values(f field) []string {
	if v.have[f] {
		return v.vals[f]
	}
	v.have[f] = true
	s, list, isList := v.raw(f)
	normal := func(s string) string {
		s = nfc(s)
		switch f {
		case fTo, fCc:
			s = address(s)
		case fAttachmentType:
			s = mediaType(s)
		case fCaller, fCalled:
			s = phoneDigits(s)
		}
		return s
	}
	if !isList {
		v.one[f][0] = normal(s)
		v.vals[f] = v.one[f][:]
		return v.vals[f]
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = normal(e)
	}
	v.vals[f] = out
	return out
}

// foldedValues returns values(f) case-folded.
func (v *view) foldedValues(f field) []string {
	if v.haveFold[f] {
		return v.folded[f]
	}
	v.haveFold[f] = true
	vals := v.values(f)
	if fields[f].kind != kindList {
		v.oneFold[f][0] = v.folder.fold(vals[0])
		v.folded[f] = v.oneFold[f][:]
		return v.folded[f]
	}
	out := make([]string, len(vals))
	for i, s := range vals {
		out[i] = v.folder.fold(s)
	}
	v.folded[f] = out
	return out
}

// loweredValues returns values(f) with lowerASCII applied, for the
// prefilter of case-insensitive regular expressions.
func (v *view) loweredValues(f field) []string {
	if v.haveLow[f] {
		return v.lowered[f]
	}
	v.haveLow[f] = true
	vals := v.values(f)
	if fields[f].kind != kindList {
		v.oneLow[f][0] = lowerASCII(vals[0])
		v.lowered[f] = v.oneLow[f][:]
		return v.lowered[f]
	}
	out := make([]string, len(vals))
	for i, s := range vals {
		out[i] = lowerASCII(s)
	}
	v.lowered[f] = out
	return out
}

// test evaluates a condition.
func (v *view) test(c *ccond) bool {
	switch c.kind {
	case kindBool:
		return (len(v.in.Attachments) > 0) == c.b != c.neg
	case kindCalendar:
		return v.isOpen(c.cal) != c.neg
	}
	var vals []string
	switch {
	case c.cs || c.op == opMatches:
		vals = v.values(c.field)
	case v.haveFold[c.field]:
		vals = v.folded[c.field]
	default:
		vals = v.foldedValues(c.field)
	}
	var lowered []string
	if c.lit != "" && c.fold {
		lowered = v.loweredValues(c.field)
	}
	for i, s := range vals {
		if lowered != nil && !strings.Contains(lowered[i], c.lit) {
			continue
		}
		if c.one(s) {
			return !c.neg
		}
	}
	return c.neg
}

// one reports whether a single value satisfies the (positive) operator.
func (c *ccond) one(s string) bool {
	switch c.op {
	case opEquals:
		return s == c.want
	case opContains:
		return strings.Contains(s, c.want)
	case opStartsWith:
		return strings.HasPrefix(s, c.want)
	case opEndsWith:
		return strings.HasSuffix(s, c.want)
	case opMatches:
		if c.lit != "" && !c.fold && !strings.Contains(s, c.lit) {
			return false
		}
		return c.re.MatchString(s)
	case opIn:
		if c.big != nil {
			return c.big[s]
		}
		return slices.Contains(c.set, s)
	}
	return false
}

// isOpen reports whether calendar i is open at the input's time.
func (v *view) isOpen(i int) bool {
	if v.open == nil {
		v.open = make([]int8, len(v.c.calendars))
	}
	if v.open[i] == 0 {
		v.open[i] = -1
		if v.c.calendars[i].isOpen(v.in.Now) {
			v.open[i] = 1
		}
	}
	return v.open[i] == 1
}

// actual returns what a trace shows of the input for a condition.
func (v *view) actual(c *ccond) string {
	switch c.kind {
	case kindBool:
		return strconv.FormatBool(len(v.in.Attachments) > 0)
	case kindCalendar:
		if v.calShown == nil {
			v.calShown = make([]string, len(v.c.calendars))
			v.hasShowns = make([]bool, len(v.c.calendars))
		}
		if !v.hasShowns[c.cal] {
			v.hasShowns[c.cal] = true
			state := "closed"
			if v.isOpen(c.cal) {
				state = "open"
			}
			loc := v.c.calendars[c.cal].loc
			v.calShown[c.cal] = v.in.Now.In(loc).Format("Mon 2006-01-02 15:04 MST") + " (" + state + ")"
		}
		return v.calShown[c.cal]
	}
	f := c.field
	if !v.haveShown[f] {
		v.haveShown[f] = true
		s, list, isList := v.raw(f)
		if isList {
			s = strings.Join(list, ", ")
		}
		v.shown[f] = shorten(s)
	}
	return v.shown[f]
}
