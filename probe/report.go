package probe

import "time"

// SchemaVersion is the "version" of Report's JSON. It changes only when a
// field changes meaning or goes away; new fields keep it.
const SchemaVersion = 1

// Report is what a probe found.
type Report struct {
	Version int    `json:"version"`
	Target  string `json:"target"`
	// Domain is set when the target was a mail domain whose MX hosts were
	// probed; MX is then its route.
	Domain   string       `json:"domain,omitempty"`
	MX       []MXHost     `json:"mx,omitempty"`
	NullMX   bool         `json:"null_mx,omitempty"`
	Hosts    []HostReport `json:"hosts"`
	Policy   *Policy      `json:"policy,omitempty"`
	Findings []Finding    `json:"findings"`
	Started  time.Time    `json:"started"`
	Elapsed  Millis       `json:"elapsed_ms"`
}

// MXHost is one MX record, in the order an MTA tries them.
type MXHost struct {
	Name       string   `json:"name"`
	Preference uint16   `json:"preference"`
	Addrs      []string `json:"addrs"`
	Error      string   `json:"error,omitempty"`
}

// HostReport is one host and the ports probed on it.
type HostReport struct {
	Name  string       `json:"name"`
	Ports []PortReport `json:"ports"`
}

// Port roles: what a client expects on it.
const (
	RoleRelay      = "relay"      // 25: MTA to MTA, STARTTLS optional
	RoleSubmission = "submission" // 587: STARTTLS then AUTH
	RoleImplicit   = "implicit"   // 465: TLS from the first byte
)

// PortReport is one port on one host.
type PortReport struct {
	Port int    `json:"port"`
	Addr string `json:"addr"` // what was dialled
	Role string `json:"role"`
	// Error is why the port could not be probed to the end; Reached says
	// whether a connection was made at all.
	Reached  bool   `json:"reached"`
	Error    string `json:"error,omitempty"`
	Greeting string `json:"greeting,omitempty"`
	// EHLO is the first EHLO reply's lines after the code; AfterTLS the
	// one after STARTTLS (or, on an implicit-TLS port, empty).
	EHLO       []string `json:"ehlo,omitempty"`
	AfterTLS   []string `json:"ehlo_after_tls,omitempty"`
	Changes    *Changes `json:"ehlo_changes,omitempty"`
	StartTLS   string   `json:"starttls,omitempty"` // "offered", "not offered", "refused: REPLY"
	TLS        *TLS     `json:"tls,omitempty"`
	DANE       *DANE    `json:"dane,omitempty"`
	Ext        Ext      `json:"extensions"`
	Timing     Timing   `json:"timing_ms"`
	Transcript []string `json:"transcript"`
}

// Changes is what STARTTLS changed in the EHLO reply.
type Changes struct {
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Changed []string `json:"changed,omitempty"` // "SIZE 10240000 -> 52428800"
}

// Ext is what the extensions say, before TLS and after.
type Ext struct {
	AuthBeforeTLS       []string `json:"auth_before_tls"`
	AuthAfterTLS        []string `json:"auth_after_tls"`
	Size                int64    `json:"size"` // 0: not announced or no limit
	Pipelining          bool     `json:"pipelining"`
	Chunking            bool     `json:"chunking"`
	SMTPUTF8            bool     `json:"smtputf8"`
	RequireTLS          bool     `json:"requiretls"`
	DSN                 bool     `json:"dsn"`
	EightBitMIME        bool     `json:"8bitmime"`
	EnhancedStatusCodes bool     `json:"enhancedstatuscodes"`
}

// TLS is the negotiated session and what the certificate says.
type TLS struct {
	Version     string `json:"version"`
	Cipher      string `json:"cipher"`
	ServerName  string `json:"server_name"`
	Verified    bool   `json:"verified"`
	VerifyError string `json:"verify_error,omitempty"`
	NameMatches bool   `json:"name_matches"`
	SelfSigned  bool   `json:"self_signed"`
	Chain       []Cert `json:"chain"`
}

// Cert is one certificate of the chain, leaf first.
type Cert struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SANs      []string  `json:"sans,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DaysLeft  int       `json:"days_left"`
	SHA256    string    `json:"sha256"`
	SPKI      string    `json:"spki_sha256"`
	Key       string    `json:"key"`
}

// DANE is what the TLSA records at _PORT._tcp.HOST say, and whether the
// chain matches one of them.
type DANE struct {
	Records       []string `json:"records,omitempty"`
	Authenticated bool     `json:"dnssec_authenticated"`
	Match         string   `json:"match,omitempty"` // the record that matched
	Error         string   `json:"error,omitempty"`
}

// Policy is the domain's MTA-STS policy and TLS-RPT record.
type Policy struct {
	MTASTSRecord string   `json:"mta_sts_record,omitempty"`
	MTASTSMode   string   `json:"mta_sts_mode,omitempty"`
	MTASTSMX     []string `json:"mta_sts_mx,omitempty"`
	MTASTSMaxAge int64    `json:"mta_sts_max_age,omitempty"`
	MTASTSError  string   `json:"mta_sts_error,omitempty"`
	TLSRPT       string   `json:"tls_rpt,omitempty"`
	TLSRPTError  string   `json:"tls_rpt_error,omitempty"`
}

// Timing is how long each step took, in milliseconds (0: not done).
type Timing struct {
	Connect   Millis `json:"connect"`
	Greeting  Millis `json:"greeting"`
	EHLO      Millis `json:"ehlo"`
	StartTLS  Millis `json:"starttls"`
	Handshake Millis `json:"handshake"`
	EHLOAfter Millis `json:"ehlo_after_tls"`
}

// Millis is a duration written as milliseconds with a fraction.
type Millis float64

func ms(d time.Duration) Millis { return Millis(float64(d.Microseconds()) / 1000) }

// Severities, mildest first.
const (
	Info    = "info"
	Warning = "warning"
	Error   = "error"
)

// Finding is one thing worth saying, with what it means.
type Finding struct {
	Severity string `json:"severity"`
	Key      string `json:"key"` // stable name, e.g. "auth-before-starttls"
	Host     string `json:"host,omitempty"`
	Port     int    `json:"port,omitempty"`
	// Ports are all the ports of Host the finding holds for; Port is the first.
	Ports   []int  `json:"ports,omitempty"`
	Text    string `json:"text"`
	Explain string `json:"explain"`
	tmpl    string // Text with %[1]s for the ports, until they are merged
}
