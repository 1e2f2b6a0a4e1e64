package routing

import (
	"strings"
	"time"
)

// TestResult is what a rule test shows a manager: the rule set version
// tested, the first rule that matched and all that did, the decision, every
// condition tried, the input as the rules saw it, and what was odd about a
// pasted mail.
type TestResult struct {
	Version     int          `json:"version"`
	MatchedRule string       `json:"matched_rule"`
	Matched     []string     `json:"matched"`
	Decision    TestDecision `json:"decision"`
	Trace       Trace        `json:"trace"`
	Input       Input        `json:"input"`
	Warnings    []string     `json:"warnings,omitempty"`
}

// TestDecision is a decision as a rule test shows it: the first-response
// time as a rule writes it ("4h", "1h30m"), lists never null.
type TestDecision struct {
	Queue       string      `json:"queue"`
	Priority    string      `json:"priority"`
	Tags        []string    `json:"tags"`
	Assign      *Assignment `json:"assign,omitempty"`
	SLA         string      `json:"first_response,omitempty"`
	AutoAck     *bool       `json:"auto_ack,omitempty"`
	AckTemplate string      `json:"ack_template,omitempty"`
	Spam        bool        `json:"spam"`
}

// Test runs the rules over in from start, like Decide, and returns what a
// rule test shows.
func (c *Compiled) Test(in Input, start Decision) TestResult {
	d, trace := c.Decide(in, start)
	res := TestResult{Version: c.Version(), Matched: d.Matched, Trace: trace, Input: in,
		Decision: TestDecision{Queue: d.Queue, Priority: string(d.Priority), Tags: d.Tags, Assign: d.Assign,
			AutoAck: d.AutoAck, AckTemplate: d.AckTemplate, Spam: d.Spam}}
	if res.Matched == nil {
		res.Matched = []string{}
	}
	if res.Decision.Tags == nil {
		res.Decision.Tags = []string{}
	}
	if res.Trace == nil {
		res.Trace = Trace{}
	}
	if d.SLA > 0 {
		res.Decision.SLA = CompactDuration(d.SLA)
	}
	if len(d.Matched) > 0 {
		res.MatchedRule = d.Matched[0]
	}
	return res
}

// CompactDuration writes d as a rule set writes it, without Go's trailing
// zero units: "4h", "1h30m", "90s" → "1m30s".
func CompactDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
