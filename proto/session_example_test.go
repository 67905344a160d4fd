package proto_test

import (
	"fmt"

	"github.com/smtprepl/smtprepl/proto"
)

// A script runner asks the model what each line is and whether to wait,
// and feeds it each line with its reply.
func ExampleSession() {
	var s proto.Session
	s.Greeting(proto.NewReply(220, proto.EnhancedCode{}, "mx.example.test ESMTP"))
	s.Feed("EHLO client.example.org", proto.NewReply(250, proto.EnhancedCode{}, "mx.example.test", "PIPELINING", "STARTTLS"))
	fmt.Println(s.State(), "| STARTTLS legal:", s.Legal("STARTTLS"), "| MAIL must wait:", s.MustWait("MAIL FROM:<a@b>"))

	if s.Feed("STARTTLS", proto.NewReply(220, proto.EnhancedCode{2, 0, 0}, "Ready to start TLS")) == proto.PhaseHandshake {
		// Hand over to TLS now: nothing else may be sent (RFC 3207 §4).
		s.TLSEstablished()
	}
	fmt.Println(s.State(), "| capabilities forgotten:", s.Capabilities() == nil)

	s.Feed("EHLO client.example.org", proto.NewReply(250, proto.EnhancedCode{}, "mx.example.test", "AUTH PLAIN"))
	s.Feed("MAIL FROM:<bob@example.org>", proto.NewReply(250, proto.EnhancedCode{2, 1, 0}, "Ok"))
	s.Feed("RCPT TO:<alice@example.test>", proto.NewReply(250, proto.EnhancedCode{2, 1, 5}, "Ok"))
	s.Feed("DATA", proto.NewReply(354, proto.EnhancedCode{}, "End data with <CR><LF>.<CR><LF>"))
	fmt.Println(s.State(), "|", s.Role("QUIT"), "|", s.Role("."), "| replies to it:", s.Expect("."))
	// Output:
	// ready EHLO | STARTTLS legal: true | MAIL must wait: false
	// greeted TLS | capabilities forgotten: true
	// data EHLO TLS from=<bob@example.org> rcpts=1 | text | end of data | replies to it: 1
}
