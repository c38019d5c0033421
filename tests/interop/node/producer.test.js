// KafkaJS producer: keyed batches with acks=-1; the returned offsets, the admin's topic offsets and what kcat
// reads back must all agree with where KafkaJS's partitioner put each message.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Kafka, CompressionTypes, logLevel } = require('kafkajs')
const { brokers, partitions, uniqueTopic, partitionOf, readWithKcat } = require('./helpers')

const kafka = new Kafka({ clientId: 'interop-kafkajs', brokers, logLevel: logLevel.ERROR, retry: { retries: 3 } })

const variants = [
  ['producer.send with acks=-1', {}],
  ['idempotent producer.send', { idempotent: true, maxInFlightRequests: 1 }]
]
for (const [name, producerConfig] of variants) test(`${name}, then offsets and kcat read-back match`, async () => {
  const topic = uniqueTopic('kafkajs-send')
  const producer = kafka.producer(producerConfig)
  const admin = kafka.admin()
  await Promise.all([producer.connect(), admin.connect()])
  try {
    const stored = Array.from({ length: partitions }, () => []) // per partition: expected kcat lines
    for (let batch = 0; batch < 10; batch++) {
      const messages = Array.from({ length: 100 }, (_, j) => {
        const seq = batch * 100 + j
        return { key: `k${seq % 50}`, value: `v${seq}`, headers: { seq: String(seq) } }
      })
      const firstOffset = stored.map((lines) => lines.length)
      const touched = new Set()
      for (const m of messages) {
        const p = partitionOf(topic, m)
        touched.add(p)
        stored[p].push(`${stored[p].length} ${m.key} ${m.value} seq=${m.headers.seq}`)
      }
      // every other batch gzip-compressed, the codec KafkaJS has built in
      const compression = batch % 2 ? CompressionTypes.GZIP : CompressionTypes.None
      const result = await producer.send({ topic, acks: -1, compression, messages })
      assert.deepEqual(result.map((r) => r.partition).sort(), [...touched].sort(), `batch ${batch}: partitions`)
      for (const r of result) {
        assert.equal(r.topicName, topic)
        assert.equal(r.errorCode, 0, `batch ${batch} partition ${r.partition}: error ${r.errorCode}`)
        assert.equal(Number(r.baseOffset), firstOffset[r.partition], `batch ${batch} partition ${r.partition}: baseOffset`)
      }
    }

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] })
    assert.equal(metadata.topics[0].partitions.length, partitions, 'partition count')
    const offsets = await admin.fetchTopicOffsets(topic)
    assert.deepEqual(offsets.map((o) => [o.partition, Number(o.low), Number(o.high)]).sort((a, b) => a[0] - b[0]),
      stored.map((lines, p) => [p, 0, lines.length]), 'low and high watermarks per partition')

    for (let p = 0; p < partitions; p++) assert.deepEqual(readWithKcat(topic, p), stored[p], `partition ${p} as read by kcat`)
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()])
  }
})
