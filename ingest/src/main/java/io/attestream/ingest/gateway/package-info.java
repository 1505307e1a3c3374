/** The HTTP/JSON gateway ({@code attestream gateway}): POST /v1/events to Kafka, with API keys and back-pressure. */
package io.attestream.ingest.gateway;
