package desk

import (
	"context"
	"regexp"
	"slices"
	"strings"
)

// mention is an @name in a note: a user name (a-z, 0-9, '.', '_', '-') after
// the start of the text or a character that cannot be part of an address, so
// that ann@example.org mentions nobody.
var mention = regexp.MustCompile(`(?:^|[^\pL\pN._@-])@([a-z0-9][a-z0-9._-]{0,63})`)

// mentioned returns the users a note mentions, each once, in the order
// written: the @names that are users' (all of them when the desk does not
// know its users). A name that is nobody's is just text. At most
// maxMentions are taken.
func (d *Desk) mentioned(ctx context.Context, text string) ([]string, error) {
	var names []string
	for _, m := range mention.FindAllStringSubmatch(strings.ToLower(text), -1) {
		name := strings.TrimRight(m[1], "._-") // "@bob." ends a sentence
		if name == "" || slices.Contains(names, name) {
			continue
		}
		if d.people != nil {
			ok, err := d.people.IsUser(ctx, name)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		names = append(names, name)
		if len(names) == maxMentions {
			break
		}
	}
	return names, nil
}

// maxMentions bounds the people one note mentions.
const maxMentions = 20
