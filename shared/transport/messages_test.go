package transport

import "testing"

func TestParseInput(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{`{"k":"move","x":100,"y":200}`, true},
		{`{"k":"click","x":1,"y":2,"b":"right","dbl":true}`, true},
		{`{"k":"wheel","dy":-3}`, true},
		{`{"k":"key","key":"a","mods":["ctrl","shift"]}`, true},
		{`{"k":"text","text":"Grüße, 日本"}`, true},
		{`{"k":"move","x":-1,"y":2}`, false},
		{`{"k":"click","x":1,"y":2,"b":"thumb"}`, false},
		{`{"k":"wheel","dy":100000}`, false},
		{`{"k":"key","key":""}`, false},
		{`{"k":"key","key":"a","mods":["hyper"]}`, false},
		{`{"k":"text","text":""}`, false},
		{`{"k":"exec","text":"rm -rf /"}`, false},
		{`not json`, false},
	}
	for _, c := range cases {
		if _, err := ParseInput([]byte(c.in)); (err == nil) != c.ok {
			t.Errorf("ParseInput(%s) error = %v, want ok=%v", c.in, err, c.ok)
		}
	}
}

func TestParseControl(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{`{"type":"keyframe"}`, true},
		{`{"type":"options","mode":"sampling","colors":"16bit","monitor":-1}`, true},
		{`{"type":"options","mode":"turbo"}`, false},
		{`{"type":"options","colors":"8bit"}`, false},
		{`{"type":"options","monitor":-5}`, false},
		{`{"type":"screen","width":1920,"height":1080}`, true},
		{`{"type":"reboot"}`, false},
	}
	for _, c := range cases {
		if _, err := ParseControl([]byte(c.in)); (err == nil) != c.ok {
			t.Errorf("ParseControl(%s) error = %v, want ok=%v", c.in, err, c.ok)
		}
	}
}

func FuzzParseInput(f *testing.F) {
	f.Add([]byte(`{"k":"key","key":"a","mods":["ctrl"]}`))
	f.Add([]byte(`{"k":"text","text":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := ParseInput(b)
		if err == nil && in.Kind == "" {
			t.Fatal("accepted an event without a kind")
		}
	})
}

func FuzzParseControl(f *testing.F) {
	f.Add([]byte(`{"type":"options","mode":"standard","monitor":0}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseControl(b)
		if err == nil && c.Type == "" {
			t.Fatal("accepted a message without a type")
		}
	})
}
