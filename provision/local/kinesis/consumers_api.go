package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

type registerConsumerInput struct {
	StreamARN    *string           `json:"StreamARN"`
	ConsumerName *string           `json:"ConsumerName"`
	Tags         map[string]string `json:"Tags"`
}

type consumerOut struct {
	ConsumerName              string  `json:"ConsumerName"`
	ConsumerARN               string  `json:"ConsumerARN"`
	ConsumerStatus            string  `json:"ConsumerStatus"`
	ConsumerCreationTimestamp epochMs `json:"ConsumerCreationTimestamp"`
}

type consumerDescription struct {
	consumerOut
	StreamARN string `json:"StreamARN"`
}

func (s *Service) consumerOut(m *consumerMeta) consumerOut {
	return consumerOut{ConsumerName: m.Name, ConsumerARN: s.consumerARN(m), ConsumerStatus: m.Status, ConsumerCreationTimestamp: epochMs(m.CreatedMs)}
}

// consumerName validates a ConsumerName field.
func (v *validation) consumerName(name *string, required bool) {
	v.member(name, "consumerName", required, 1, 128, streamNamePattern, isStreamName)
}

// streamARNField validates a StreamARN field.
func (v *validation) streamARNField(arn *string, required bool) {
	v.member(arn, "streamARN", required, 1, 2048, streamARNPattern, isStreamARN)
}

// consumerARNField validates a ConsumerARN field.
func (v *validation) consumerARNField(arn *string, required bool) {
	v.member(arn, "consumerARN", required, 1, 2048, consumerARNPattern, isConsumerARN)
}

// streamByARN finds the live stream a stream ARN names.
func (s *Service) streamByARN(arn string) (*stream, string, *apiError) {
	name, ok := s.nameFromARN(arn)
	if !ok {
		// A well-formed ARN of another region or account: not here, and
		// named under its own account, as the other operations name it.
		if p, parsed := parseStreamARN(arn); parsed {
			return nil, p.name, clientErr("ResourceNotFoundException", "Stream %s under account %s not found.", p.name, p.account)
		}
		name = arn[strings.LastIndex(arn, "/")+1:]
		return nil, name, s.streamNotFound(name)
	}
	st := s.lookup(name)
	if st == nil {
		return nil, name, s.streamNotFound(name)
	}
	return st, name, nil
}

func (s *Service) registerStreamConsumer(c codec, body []byte) (any, *apiError) {
	var in registerConsumerInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.streamARNField(in.StreamARN, true)
	v.consumerName(in.ConsumerName, true)
	if in.Tags != nil {
		v.tagMap(in.Tags, "tags", 1, maxTagsPerCall)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	st, name, apiErr := s.streamByARN(*in.StreamARN)
	if apiErr != nil {
		return nil, apiErr
	}
	texts := make([]string, 0, 2*len(in.Tags))
	for k, val := range in.Tags {
		if len(k) < 1 || len(k) > 128 || len(val) > 256 {
			return nil, clientErr("InvalidArgumentException", "Tag keys must be between 1 and 128 characters and tag values at most 256 characters.")
		}
		texts = append(texts, k, val)
	}
	if e := checkTagChars(texts, "add tags to", name, s.env.AccountID); e != nil {
		return nil, e
	}
	if len(in.Tags) > maxStreamTags {
		return nil, tooManyTags("register", "consumer", *in.ConsumerName, s.env.AccountID)
	}
	cname := *in.ConsumerName
	var out consumerOut
	var created, replaced *consumer
	err := s.env.DB.Update(func(tx *store.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.gone {
			apiErr = s.streamNotFound(name)
			return nil
		}
		if st.meta.Status != statusActive && st.meta.Status != statusUpdating {
			apiErr = s.streamNotActive(name, st.meta.Status)
			return nil
		}
		s.cmu.Lock()
		defer s.cmu.Unlock()
		if old := s.consumers[consumerKey(name, cname)]; old != nil && !old.gone && old.meta.StreamCreatedMs == st.meta.CreatedMs {
			apiErr = clientErr("ResourceInUseException", "Consumer %s under stream %s already exists for account %s.", s.consumerARN(&old.meta), name, s.env.AccountID)
			return nil
		}
		if n := len(s.streamConsumers(name, st.meta.CreatedMs)); n >= maxConsumersPerStream {
			apiErr = clientErr("LimitExceededException", "Consumer limit of %d for stream %s under account %s has been reached.", maxConsumersPerStream, name, s.env.AccountID)
			return nil
		}
		creating := 0
		for _, o := range s.consumers {
			if o.meta.Status == statusCreating && !o.gone {
				creating++
			}
		}
		if creating >= maxConsumersCreating {
			apiErr = clientErr("LimitExceededException", "Only %d consumers can be in CREATING status at the same time; wait for one to become ACTIVE before registering another under account %s.", maxConsumersCreating, s.env.AccountID)
			return nil
		}
		now := s.nowMs()
		created = &consumer{meta: consumerMeta{
			Name: cname, Stream: name, StreamCreatedMs: st.meta.CreatedMs,
			CreatedMs: now / 1000 * 1000, Status: statusCreating, StatusSinceMs: now, Tags: in.Tags,
		}}
		if err := saveConsumer(tx, &created.meta); err != nil {
			return err
		}
		if replaced = s.consumers[created.meta.key()]; replaced != nil {
			replaced.gone = true // a leftover of an earlier stream of this name
		}
		s.consumers[created.meta.key()] = created
		out = s.consumerOut(&created.meta)
		return nil
	})
	if err != nil {
		s.restoreConsumers(created, replaced)
		s.env.Log.Error("register consumer", "stream", name, "consumer", cname, "err", err)
		return nil, internalFailure()
	}
	if apiErr != nil {
		return nil, apiErr
	}
	s.after(s.env.CreateDelay, func() { s.finishConsumerTransition(created) })
	return map[string]any{"Consumer": out}, nil
}

// --- DescribeStreamConsumer / DeregisterStreamConsumer ------------------

type consumerRefInput struct {
	StreamARN    *string `json:"StreamARN"`
	ConsumerName *string `json:"ConsumerName"`
	ConsumerARN  *string `json:"ConsumerARN"`
}

// findConsumer resolves "ConsumerARN, or StreamARN and ConsumerName".
func (s *Service) findConsumer(in *consumerRefInput) (*consumer, *apiError) {
	var v validation
	v.streamARNField(in.StreamARN, false)
	v.consumerName(in.ConsumerName, false)
	v.consumerARNField(in.ConsumerARN, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.ConsumerARN != nil {
		c, apiErr := s.consumerByARN(*in.ConsumerARN)
		if apiErr != nil {
			return nil, apiErr
		}
		s.cmu.Lock()
		m := c.meta
		s.cmu.Unlock()
		if (in.ConsumerName != nil && *in.ConsumerName != m.Name) || (in.StreamARN != nil && *in.StreamARN != s.streamARN(m.Stream)) {
			return nil, clientErr("InvalidArgumentException", "ConsumerARN %s does not match the given StreamARN and ConsumerName.", *in.ConsumerARN)
		}
		return c, nil
	}
	if in.StreamARN == nil || in.ConsumerName == nil {
		return nil, clientErr("InvalidArgumentException", "Either ConsumerARN or both ConsumerName and StreamARN must be provided.")
	}
	st, name, apiErr := s.streamByARN(*in.StreamARN)
	if apiErr != nil {
		return nil, apiErr
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	c := s.liveConsumer(st, *in.ConsumerName)
	if c == nil {
		return nil, s.consumerNotFound(*in.ConsumerName, name)
	}
	return c, nil
}

func (s *Service) describeStreamConsumer(c codec, body []byte) (any, *apiError) {
	var in consumerRefInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	con, apiErr := s.findConsumer(&in)
	if apiErr != nil {
		return nil, apiErr
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return map[string]any{"ConsumerDescription": consumerDescription{consumerOut: s.consumerOut(&con.meta), StreamARN: s.streamARN(con.meta.Stream)}}, nil
}

func (s *Service) deregisterStreamConsumer(c codec, body []byte) (any, *apiError) {
	var in consumerRefInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	con, apiErr := s.findConsumer(&in)
	if apiErr != nil {
		return nil, apiErr
	}
	started := false
	apiErr = s.updateConsumer(con, func(m *consumerMeta) *apiError {
		if m.Status == statusDeleting {
			return clientErr("ResourceInUseException", "Consumer %s under account %s is already being deleted.", s.consumerARN(m), s.env.AccountID)
		}
		m.Status, m.StatusSinceMs = statusDeleting, s.nowMs()
		started = true
		return nil
	})
	if apiErr != nil {
		return nil, apiErr
	}
	if started {
		s.endSubscriptions(con, nil)
		s.after(s.env.DeleteDelay, func() { s.finishConsumerTransition(con) })
	}
	return struct{}{}, nil
}

// --- ListStreamConsumers -----------------------------------------------

type listConsumersInput struct {
	StreamARN               *string    `json:"StreamARN"`
	MaxResults              *int64     `json:"MaxResults"`
	NextToken               *string    `json:"NextToken"`
	StreamCreationTimestamp *epochTime `json:"StreamCreationTimestamp"`
}

// listConsumersToken is the content of a ListStreamConsumers NextToken.
type listConsumersToken struct {
	Stream   string `json:"s"`
	Created  int64  `json:"c"`
	After    string `json:"a"`
	IssuedMs int64  `json:"i"`
}

func (s *Service) listStreamConsumers(c codec, body []byte) (any, *apiError) {
	var in listConsumersInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.streamARNField(in.StreamARN, true)
	v.intRange(in.MaxResults, "maxResults", 1, 10000)
	if in.NextToken != nil {
		v.length(*in.NextToken, "nextToken", 1, 1048576)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	st, name, apiErr := s.streamByARN(*in.StreamARN)
	if apiErr != nil {
		return nil, apiErr
	}
	limit := 100
	if in.MaxResults != nil {
		limit = min(int(*in.MaxResults), 100) // AWS returns at most 100
	}
	st.mu.Lock()
	created, gone := st.meta.CreatedMs, st.gone
	st.mu.Unlock()
	if gone {
		return nil, s.streamNotFound(name)
	}
	after := ""
	if in.NextToken != nil {
		if in.StreamCreationTimestamp != nil {
			return nil, clientErr("InvalidArgumentException", "NextToken and StreamCreationTimestamp cannot be provided together.")
		}
		var tok listConsumersToken
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.Stream == "" {
			return nil, clientErr("InvalidArgumentException", "Invalid NextToken.")
		}
		if tok.Stream != name || tok.Created != created {
			return nil, clientErr("InvalidArgumentException", "NextToken was issued for another stream.")
		}
		if s.now().Sub(time.UnixMilli(tok.IssuedMs)) > nextTokenLife {
			return nil, clientErr("ExpiredNextTokenException", "The NextToken has expired: tokens are valid for %d seconds.", int(nextTokenLife/time.Second))
		}
		after = tok.After
	} else if in.StreamCreationTimestamp != nil && in.StreamCreationTimestamp.UnixMilli()/1000 != created/1000 {
		return nil, s.streamNotFound(name)
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	out := map[string]any{}
	list := []consumerOut{}
	for _, con := range s.streamConsumers(name, created) {
		if con.meta.Name <= after {
			continue
		}
		if len(list) == limit {
			tok, _ := json.Marshal(listConsumersToken{Stream: name, Created: created, After: list[len(list)-1].ConsumerName, IssuedMs: s.nowMs()})
			out["NextToken"] = base64.RawURLEncoding.EncodeToString(tok)
			break
		}
		list = append(list, s.consumerOut(&con.meta))
	}
	out["Consumers"] = list
	return out, nil
}
