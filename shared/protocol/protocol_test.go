package protocol

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	big := `{"v":1,"type":"chat","data":{"text":"` + strings.Repeat("a", MaxMessageSize) + `"}}`
	cases := []struct {
		name string
		in   string
		err  error // nil: accepted
	}{
		{"chat to all is accepted", `{"v":1,"type":"chat","id":"1","data":{"text":"hello"}}`, nil},
		{"chat to one is accepted", `{"v":1,"type":"chat","data":{"to":"par_1","text":"hi"}}`, nil},
		{"empty chat is invalid", `{"v":1,"type":"chat","data":{"text":""}}`, ErrInvalid},
		{"message over 64 KiB is too large", big, ErrTooLarge},
		{"broken JSON is malformed", `{"v":1,"type":"chat"`, ErrMalformed},
		{"data of the wrong shape is malformed", `{"v":1,"type":"chat","data":{"text":5}}`, ErrMalformed},
		{"data that is not an object is malformed", `{"v":1,"type":"chat","data":"x"}`, ErrMalformed},
		{"other version is refused", `{"v":2,"type":"chat","data":{"text":"x"}}`, ErrVersion},
		{"missing version is refused", `{"type":"chat","data":{"text":"x"}}`, ErrVersion},
		{"unknown type is refused", `{"v":1,"type":"teleport","data":{}}`, ErrUnknownType},
		{"leave needs no data", `{"v":1,"type":"leave"}`, nil},
		{"consent request for view", `{"v":1,"type":"consent_request","data":{"request_id":"r1","to":"p","action":"view"}}`, nil},
		{"consent request for an unknown action", `{"v":1,"type":"consent_request","data":{"request_id":"r1","to":"p","action":"format-disk"}}`, ErrInvalid},
		{"consent request without target", `{"v":1,"type":"consent_request","data":{"request_id":"r1","action":"view"}}`, ErrInvalid},
		{"consent answer without request id", `{"v":1,"type":"consent_answer","data":{"granted":true}}`, ErrInvalid},
		{"offer needs sdp", `{"v":1,"type":"signal","data":{"to":"p","kind":"offer"}}`, ErrInvalid},
		{"candidate signal", `{"v":1,"type":"signal","data":{"to":"p","kind":"candidate","candidate":{"candidate":"x"}}}`, nil},
		{"unknown signal kind", `{"v":1,"type":"signal","data":{"to":"p","kind":"bye"}}`, ErrInvalid},
		{"make primary needs a participant", `{"v":1,"type":"make_primary","data":{}}`, ErrInvalid},
		{"assist needs a number", `{"v":1,"type":"assist","data":{}}`, ErrInvalid},
		{"attach with negative seq", `{"v":1,"type":"attach","data":{"after_seq":-1}}`, ErrInvalid},
		{"notes may be empty", `{"v":1,"type":"notes","data":{"text":""}}`, nil},
		{"script result", `{"v":1,"type":"script_result","data":{"run_id":"r1","index":0,"count":1,"name":"fix.sh","status":"ok","exit_code":0,"duration_ms":12}}`, nil},
		{"script result without a run", `{"v":1,"type":"script_result","data":{"index":0,"count":1,"name":"fix.sh","status":"ok"}}`, ErrInvalid},
		{"script result with a string exit code", `{"v":1,"type":"script_result","data":{"run_id":"r1","count":1,"name":"x","status":"ok","exit_code":"0"}}`, ErrMalformed},
		{"file transfer", `{"v":1,"type":"file_transfer","data":{"direction":"to_customer","files":1,"bytes":3,"names":["a.txt"],"status":"done"}}`, nil},
		{"file transfer of negative size", `{"v":1,"type":"file_transfer","data":{"direction":"to_customer","bytes":-3,"status":"done"}}`, ErrInvalid},
		{"file transfer with names not a list", `{"v":1,"type":"file_transfer","data":{"direction":"to_customer","names":"a.txt","status":"done"}}`, ErrMalformed},
		{"tools signal", `{"v":1,"type":"signal","data":{"to":"p","kind":"offer","sdp":"v=0","purpose":"tools"}}`, nil},
		{"state with a session's settings", `{"v":1,"type":"state","data":{"settings":{"queue":"billing","features":{"file_transfer":false,"scripts":true},"default_mode":"sampling"}}}`, nil},
		{"state with a feature that is not a switch", `{"v":1,"type":"state","data":{"settings":{"features":{"scripts":"on"}}}}`, ErrMalformed},
		{"signal of an unknown purpose", `{"v":1,"type":"signal","data":{"to":"p","kind":"offer","sdp":"v=0","purpose":"voice"}}`, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, msg, err := Decode([]byte(c.in))
			if c.err == nil {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if msg == nil {
					t.Fatal("Decode returned no message")
				}
				return
			}
			if !errors.Is(err, c.err) {
				t.Fatalf("Decode error = %v, want %v", err, c.err)
			}
			if Code(err) == "" {
				t.Fatal("no code for error")
			}
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	in := &ConsentRequest{RequestID: "r9", To: "par_x", Action: ActionControl, Detail: "take control"}
	b, err := Encode(Envelope{ID: "7", Session: "ses_1"}, in)
	if err != nil {
		t.Fatal(err)
	}
	env, msg, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if env.ID != "7" || env.Session != "ses_1" || env.Type != TypeConsentRequest {
		t.Fatalf("envelope = %+v", env)
	}
	if got := msg.(*ConsentRequest); *got != *in {
		t.Fatalf("message = %+v, want %+v", got, in)
	}
}

func TestEveryTypeHasItsOwnName(t *testing.T) {
	for _, typ := range Types() {
		if got := registry[typ]().Type(); got != typ {
			t.Errorf("registry[%q] builds a %q", typ, got)
		}
		// The zero value of every server-to-client message must encode.
		if _, err := Encode(Envelope{}, registry[typ]()); err != nil {
			t.Errorf("encode zero %s: %v", typ, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"v":1,"type":"chat","id":"1","data":{"text":"hello","to":"p"}}`))
	f.Add([]byte(`{"v":1,"type":"signal","data":{"to":"p","kind":"candidate","candidate":{"a":1}}}`))
	f.Add([]byte(`{"v":1,"type":"consent_answer","data":{"request_id":"r","granted":true}}`))
	f.Add([]byte(`{"v":1,"type":"state","data":{"participants":[{"id":"x"}]}}`))
	f.Add([]byte(`{"v":1,"type":"attach","data":null}`))
	f.Add([]byte(`{"v":1,"type":"script_result","data":{"run_id":"r1","index":1,"count":2,"name":"fix.ps1","requested_by":"par_c","status":"failed","exit_code":1,"duration_ms":900,"output":"line
next","truncated":true,"error":""}}`))
	f.Add([]byte(`{"v":1,"type":"file_transfer","data":{"direction":"from_customer","folder":"C:\Logs","files":2,"bytes":4096,"names":["a.log","b.log"],"status":"aborted","error":"stopped","requested_by":"par_c"}}`))
	f.Add([]byte(`{"v":1,"type":"state","data":{"max_transfer_bytes":157286400,"participants":[{"id":"x","restarting":true}]}}`))
	f.Add([]byte(`{"v":1,"type":"signal","data":{"to":"p","kind":"answer","sdp":"v=0","purpose":"tools"}}`))
	f.Add([]byte(`{"v":1,"type":"state","data":{"settings":{"queue":"billing","features":{"file_transfer":false,"scripts":false,"system_info":true,"reboot":true,"recording":true},"default_mode":"sampling","default_colors":"256"}}}`))
	f.Add([]byte(`{"v":1,"type":"state","data":{"settings":{"features":{}}}}`))
	f.Add([]byte(`{"v":1,"type":"state","data":{"settings":null,"max_transfer_bytes":1}}`))
	f.Add([]byte(`{"v":1,"type":"state","data":{"settings":{"features":{"scripts":"yes"},"default_mode":7}}}`))
	f.Add([]byte(`{"v":1,"type":"session_transferred","data":{"from_name":"Carol","queue":"billing","queue_name":"Billing","request":"qrq_1"}}`))
	f.Add([]byte(`{"v":1,"type":"recording","data":{"state":"stopped","reason":"The customer stopped sharing.","duration_ms":42000,"frames":310,"bytes":912345}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, msg, err := Decode(b)
		if err != nil {
			if msg != nil {
				t.Fatal("message returned with an error")
			}
			return
		}
		if len(b) > MaxMessageSize {
			t.Fatal("accepted an oversized message")
		}
		if msg.Validate() != nil {
			t.Fatal("accepted an invalid message")
		}
		// What was accepted must survive a round trip unchanged.
		out, err := Encode(env, msg)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		_, msg2, err := Decode(out)
		if err != nil {
			t.Fatalf("decode of re-encoded: %v", err)
		}
		a, _ := json.Marshal(msg)
		c, _ := json.Marshal(msg2)
		if string(a) != string(c) {
			t.Fatalf("round trip changed the message: %s != %s", a, c)
		}
	})
}
