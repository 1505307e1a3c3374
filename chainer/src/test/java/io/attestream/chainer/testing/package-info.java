/** Test fixtures the chainer's test-jar offers other modules' tests (never main code). */
package io.attestream.chainer.testing;
