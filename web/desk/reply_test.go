package desk

import "testing"

func TestReplySubject(t *testing.T) {
	for _, tt := range []struct{ subject, want string }{
		{"Order 553 arrived broken", "Re: Order 553 arrived broken [#7]"},
		{"RE: Order 553", "RE: Order 553 [#7]"},
		{"Re: Order 553 [#7]", "Re: Order 553 [#7]"},
		{"", "Re: [#7]"},
		{"Re", "Re: Re [#7]"},
	} {
		if got := replySubject(tt.subject, "7"); got != tt.want {
			t.Errorf("replySubject(%q) = %q, want %q", tt.subject, got, tt.want)
		}
	}
}
