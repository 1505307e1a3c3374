"""Per-event breakdown of the chainer's stream thread from collapsed stacks (state;root;...;leaf count).
Usage: classify.py FILE.stacks           (wall-clock sampler of the benchmark)
       classify.py FILE.jfr              (JFR ExecutionSample + NativeMethodSample of StreamThreads, via `jfr print --json`)
       classify.py --thread p0-ci100 FILE.jfr   (only stream threads whose name holds that text: the benchmark's
                                                 measured drain, without its warm-up drain "warmup")"""
import collections, json, subprocess, sys

THREAD = None
if len(sys.argv) > 2 and sys.argv[1] == '--thread':
    THREAD = sys.argv[2]
    del sys.argv[1:3]

RULES = [  # (category, predicate on the joined stack) in priority order
    ('dedup negative filter (EventIdFilter: lookup, add, start-up scan)', lambda s: 'EventIdFilter.' in s or 'DedupBloom.' in s),
    ('dedup window fetch (eventIds.fetch)', lambda s: 'ChainProcessor.earlierSeq' in s or 'EventIdIndex.' in s and '.seqOf' in s),
    ('time-cadence scan (punctuation)', lambda s: 'ChainProcessor.punctuate' in s and 'Notary' not in s and 'flushPending' not in s and 'ChainProcessor.checkpoint' not in s),
    ('checkpoint: sign + pending put', lambda s: 'ChainProcessor.checkpoint' in s),
    ('checkpoint: TSA + write (flushPending)', lambda s: 'ChainProcessor.flushPending' in s),
    ('dedup window put', lambda s: 'ChainProcessor.process' in s and ('MeteredWindowStore.put' in s or 'MeteredKeyValueStore.put' in s and 'EventId' in s)),
    ('agent state decode (AgentState.fromBytes)', lambda s: 'AgentState.fromBytes' in s),
    ('agent state encode (AgentState.toBytes)', lambda s: 'AgentState.toBytes' in s),
    ('agent state get (store)', lambda s: 'ChainProcessor.process' in s and 'MeteredKeyValueStore.get' in s),
    ('agent state put (store)', lambda s: 'ChainProcessor.process' in s and 'MeteredKeyValueStore.put' in s),
    ('hashing: chain entry + Merkle (LogState.append)', lambda s: 'LogState.append' in s),
    ('Avro serialisation of ChainedEvent/CheckpointRecord', lambda s: 'RecordCollectorImpl.send' in s and ('serialize' in s.lower() and ('WireSerde' in s or 'avro' in s))),
    ('produce (KafkaProducer.send)', lambda s: 'RecordCollectorImpl.send' in s),
    ('ChainedEvent build', lambda s: 'ChainProcessor.process' in s and ('ChainedEvent' in s or 'Sha256.<init>' in s)),
    ('metrics (ours: Micrometer)', lambda s: 'ChainerMetrics' in s),
    ('metrics (Kafka Streams: Sensor.record)', lambda s: 'Sensor.record' in s or 'maybeMeasureLatency' in s and 'punctuate' not in s and 'ChainProcessor' not in s and 'RouteProcessor' not in s),
    ('chain: other', lambda s: 'ChainProcessor.process' in s),
    ('decode (Avro + wire format)', lambda s: 'RouteProcessor' in s and ('AuditEventCodec' in s or 'decode' in s)),
    ('event rules', lambda s: 'EventRules' in s),
    ('route: other', lambda s: 'RouteProcessor' in s),
    ('commit (flush, offsets, commitTransaction)', lambda s: 'maybeCommit' in s or 'commitTransaction' in s or 'TaskManager.commit' in s or 'prepareCommit' in s or 'postCommit' in s),
    ('poll (consumer)', lambda s: 'KafkaConsumer.poll' in s or 'pollRequests' in s or 'ClassicKafkaConsumer.poll' in s),
    ('punctuation: other', lambda s: 'punctuate' in s),
    ('record queue / deserialize', lambda s: 'RecordQueue' in s or 'SourceNode' in s or 'addRecords' in s),
    ('other', lambda s: True),
]

def classify(stacks):
    by = collections.Counter(); total = 0
    for state, st, n in stacks:
        s = ';'.join(st)
        for cat, pred in RULES:
            if pred(s):
                by[(state, cat)] += n
                break
        total += n
    return by, total

def load_collapsed(path):
    out = []
    for line in open(path):
        stack, n = line.rstrip('\n').rsplit(' ', 1)
        parts = stack.split(';')
        if 'org.apache.kafka.clients.producer.internals.Sender.run' in parts:
            continue  # the stream thread's producer network thread (older samplers matched it too)
        out.append((parts[0], [p.replace('/', '.') for p in parts[1:]], int(n)))
    return out

def load_jfr(path):
    js = subprocess.run(['jfr', 'print', '--json', '--stack-depth', '256', '--events',
                         'jdk.ExecutionSample,jdk.NativeMethodSample', path], capture_output=True, text=True, check=True).stdout
    out = []
    for e in json.loads(js)['recording']['events']:
        t = (e['values'].get('sampledThread') or {}).get('javaName') or ''
        if '-StreamThread-' not in t or t.startswith('kafka-') or (THREAD and THREAD not in t):
            continue
        fr = e['values']['stackTrace']['frames']
        st = [f"{f['method']['type']['name'].replace('/', '.')}.{f['method']['name']}" for f in reversed(fr)]
        out.append(('java' if e['type'] == 'jdk.ExecutionSample' else 'native', st, 1))
    return out

path = sys.argv[1]
if THREAD and not path.endswith('.jfr'):
    sys.exit(f"--thread needs a .jfr file: the sampler's stacks in {path} carry no thread names")
stacks = load_jfr(path) if path.endswith('.jfr') else load_collapsed(path)
by, total = classify(stacks)
states = collections.Counter()
for (state, cat), n in by.items():
    states[state] += n
print(f"{total} samples: " + ", ".join(f"{k} {v} ({100*v/total:.1f} %)" for k, v in states.most_common()))
busy = sum(n for (state, cat), n in by.items() if state != 'wait')
cats = collections.Counter()
for (state, cat), n in by.items():
    cats[cat] += n
print(f"{'category':52s} {'all':>7s} {'of busy':>8s}   java / native / wait")
for cat, n in cats.most_common():
    j, nat, w = by[('java', cat)], by[('native', cat)], by[('wait', cat)]
    print(f"{cat:52s} {100*n/total:6.1f}% {100*(j+nat)/max(busy,1):7.1f}%   {j} / {nat} / {w}")

if len(sys.argv) > 2:
    want = sys.argv[2]
    c = collections.Counter()
    for state, st, n in stacks:
        s = ';'.join(st)
        for cat, pred in RULES:
            if pred(s):
                if cat == want:
                    c[state + ' ' + ' < '.join(x.split('.')[-2] + '.' + x.split('.')[-1] for x in reversed(st[-int(sys.argv[3]) if len(sys.argv) > 3 else -8:]))] += n
                break
    for k, v in c.most_common(30):
        print(v, k)
