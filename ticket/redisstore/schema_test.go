package redisstore

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestSchemaVersion(t *testing.T) {
	s, tr, _ := newTestStore(t)
	ctx := context.Background()
	if n, err := s.CheckSchema(ctx); err != nil || n != SchemaVersion {
		t.Fatalf("fresh Redis: %d %v", n, err)
	}
	if v, _ := tr.Client.Get(ctx, s.key("schema")).Result(); v != "1" {
		t.Fatalf("schema key %q", v)
	}
	if n, err := s.CheckSchema(ctx); err != nil || n != SchemaVersion {
		t.Fatalf("again: %d %v", n, err)
	}
	tr.Client.Set(ctx, s.key("schema"), "7", 0)
	n, err := s.CheckSchema(ctx)
	if !errors.Is(err, ErrSchemaNewer) || n != 7 || !strings.Contains(err.Error(), "{desk}:schema is 7, newer than this frontdesk's 1") {
		t.Fatalf("newer schema: %d %v", n, err)
	}
}
