package fault

import (
	"fmt"
	"testing"
)

func TestReason(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("reply to ticket 1042: %w: the customer left no address", ErrConflict), "the customer left no address"},
		{fmt.Errorf("%w: text is empty", ErrInvalid), "text is empty"},
		{fmt.Errorf("get ticket 1099: %w", ErrNotFound), "get ticket 1099: not found"},
		{fmt.Errorf("rules_file x: %w: rules[0] \"A\": set_queue: unknown queue", ErrInvalid), "rules[0] \"A\": set_queue: unknown queue"},
	} {
		if got := Reason(c.err); got != c.want {
			t.Errorf("Reason(%q) = %q, want %q", c.err, got, c.want)
		}
	}
}
