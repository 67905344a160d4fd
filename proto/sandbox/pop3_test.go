package sandbox

import (
	"slices"
	"testing"
)

func uidsOf(t *testing.T, s *pop3Store, user, pass string) []string {
	t.Helper()
	drop, ok := s.Login(user, pass)
	if !ok {
		return nil
	}
	var ids []string
	for _, m := range drop.Messages() {
		ids = append(ids, m.UID)
	}
	return ids
}

// TestPOP3Maildrops: each mailbox reads its own mail with the sandbox's
// password, the AUTH user reads all of it, and a deletion is the
// deleter's alone.
func TestPOP3Maildrops(t *testing.T) {
	srv, _ := testServer(t, nil)
	for _, m := range []Message{
		{ID: "A1", To: []string{"alice@example.test"}, Data: []byte("x\r\n")},
		{ID: "AB", To: []string{"Alice@EXAMPLE.test", "bob@example.test"}, Data: []byte("y\r\n")},
		{ID: "R1", To: []string{"someone@elsewhere.test"}, Data: []byte("z\r\n")},
	} {
		if err := srv.mailbox.deliver(m); err != nil {
			t.Fatal(err)
		}
	}
	s := srv.pop3
	tests := []struct {
		user, pass string
		want       []string
	}{
		{"alice", "secret", []string{"A1", "AB"}},
		{"ALICE", "secret", []string{"A1", "AB"}},
		{"alice@Example.TEST", "secret", []string{"A1", "AB"}},
		{"alice@elsewhere.test", "secret", nil},
		{"bob", "secret", []string{"AB"}},
		{"carol", "secret", nil},
		{"student", "secret", []string{"A1", "AB", "R1"}},
		{"alice", "wrong", nil},
		{"nobody", "secret", nil},
		{"staff", "secret", nil}, // a list, not a mailbox
	}
	for _, tt := range tests {
		if got := uidsOf(t, s, tt.user, tt.pass); !slices.Equal(got, tt.want) {
			t.Errorf("%s/%s reads %q, want %q", tt.user, tt.pass, got, tt.want)
		}
	}
	if _, ok := s.Login("carol", "secret"); !ok {
		t.Error("carol, a mailbox with no mail, cannot log in")
	}
	drop, _ := s.Login("alice", "secret")
	drop.Delete([]string{"AB"})
	if got := uidsOf(t, s, "alice", "secret"); !slices.Equal(got, []string{"A1"}) {
		t.Errorf("after alice deleted AB she reads %q", got)
	}
	if got := uidsOf(t, s, "bob", "secret"); !slices.Equal(got, []string{"AB"}) {
		t.Errorf("alice's deletion reached bob: he reads %q", got)
	}
}

// TestPOP3DeletionsForgottenWithTheMessage: what was deleted is kept only
// while the mailbox still holds the message, so it stays bounded.
func TestPOP3DeletionsForgottenWithTheMessage(t *testing.T) {
	srv, _ := testServer(t, func(c *Config) { c.MailboxMessages = 1 })
	srv.mailbox.deliver(Message{ID: "OLD", To: []string{"alice@example.test"}})
	drop, _ := srv.pop3.Login("alice", "secret")
	drop.Delete([]string{"OLD"})
	srv.mailbox.deliver(Message{ID: "NEW", To: []string{"alice@example.test"}}) // drops OLD
	uidsOf(t, srv.pop3, "alice", "secret")
	if n := len(srv.pop3.deleted["alice"]); n != 0 {
		t.Errorf("%d deletion(s) of dropped messages still kept", n)
	}
}

// TestPOP3DeletedEverywhereLeavesTheSandbox: a message goes from the
// sandbox once every mailbox it was delivered to deleted it; a relayed
// one once the AUTH user did.
func TestPOP3DeletedEverywhereLeavesTheSandbox(t *testing.T) {
	srv, _ := testServer(t, nil)
	for _, m := range []Message{
		{ID: "AB", To: []string{"alice@example.test", "bob@example.test"}},
		{ID: "R1", To: []string{"someone@elsewhere.test"}},
	} {
		srv.mailbox.deliver(m)
	}
	del := func(user, id string) {
		drop, ok := srv.pop3.Login(user, "secret")
		if !ok {
			t.Fatalf("%s cannot log in", user)
		}
		drop.Messages()
		drop.Delete([]string{id})
	}
	del("alice", "AB")
	if _, ok := srv.mailbox.Get("AB"); !ok {
		t.Fatal("AB left the sandbox while bob still has it")
	}
	del("bob", "AB")
	del("student", "R1")
	if n := srv.mailbox.Len(); n != 0 || srv.mailbox.Removed() != 2 {
		t.Errorf("%d message(s) left, %d removed; want 0 and 2", n, srv.mailbox.Removed())
	}
}
